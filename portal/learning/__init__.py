"""The learner's path: dashboard, lessons, commitment, certificate."""
