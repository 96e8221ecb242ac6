"""The quiz form, built for the questions of one attempt."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from portal.models.quiz import MULTIPLE


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_name(question_id: int) -> str:
    return f"q{question_id}"


def quiz_form_for(attempt, formdata=None) -> FlaskForm:
    """A form with one field per question of the attempt (an Attempt or a service.AttemptToTake), choices
    in the attempt's order."""

    class QuizForm(FlaskForm):
        pass

    for item in attempt.questions:
        question = item.question
        texts = {choice.id: choice.text for choice in question.choices}
        choices = [SelectChoice(choice_id, texts[choice_id]) for choice_id in item.choice_ids]
        if question.kind == MULTIPLE:
            field = CheckboxListField(
                question.prompt,
                choices=choices,
                coerce=int,
                validators=[InputRequired(_l("Marque al menos una alternativa."))],
            )
        else:
            field = RadioField(
                question.prompt,
                choices=choices,
                coerce=int,
                validators=[InputRequired(_l("Elija una alternativa."))],
            )
        setattr(QuizForm, field_name(question.id), field)
    return QuizForm(formdata=formdata) if formdata is not None else QuizForm()


def choice_inputs(field) -> list[tuple[str, object, str, bool]]:
    """(id, value, label, checked) of each choice of a quiz field, as its option subfields would give them
    (WTForms' ids "<field id>-<index>"), without building a Field per choice as iterating the field does."""
    return [
        (f"{field.id}-{index}", choice.value, choice.label or choice.value, choice.selected)
        for index, choice in enumerate(field.iter_choices())
    ]


def answers_from(form: FlaskForm, attempt) -> dict[int, list[int]]:
    answers: dict[int, list[int]] = {}
    for item in attempt.questions:
        data = form[field_name(item.question_id)].data
        if data is None or data == []:
            continue
        answers[item.question_id] = list(data) if isinstance(data, list) else [data]
    return answers
