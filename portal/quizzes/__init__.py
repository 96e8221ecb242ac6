"""Quiz engine: taking quizzes, grading, revisions."""
