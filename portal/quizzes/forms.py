"""The quiz form, built for the questions of one attempt."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from portal.models.quiz import MULTIPLE


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_name(question_id: int) -> str:
    return f"q{question_id}"


class QuizForm(FlaskForm):
    """One field per question of an attempt, given to each form: the questions differ from attempt to
    attempt (quiz pools), and making a form class for each cost more than filling the form. WTForms
    builds a form's fields from `_unbound_fields`, which its metaclass gathers from the class once;
    each QuizForm brings its own list instead."""

    def __init__(self, fields: list[tuple[str, UnboundField]], **kwargs):
        self._unbound_fields = fields
        super().__init__(**kwargs)


def quiz_form_for(attempt, formdata=None) -> FlaskForm:
    """A form with one field per question of the attempt (an Attempt or a service.AttemptToTake), choices
    in the attempt's order."""
    fields = []
    for item in attempt.questions:
        question = item.question
        texts = {choice.id: choice.text for choice in question.choices}
        choices = [SelectChoice(choice_id, texts[choice_id]) for choice_id in item.choice_ids]
        if question.kind == MULTIPLE:
            field = CheckboxListField("", choices=choices, coerce=int, validators=_CHOOSE_SOME)
        else:
            field = RadioField("", choices=choices, coerce=int, validators=_CHOOSE_ONE)
        fields.append((field_name(question.id), field))
    return QuizForm(fields, formdata=formdata) if formdata is not None else QuizForm(fields)


# The page shows each question's prompt itself: the fields need no label.
_CHOOSE_ONE = [InputRequired(_l("Elija una alternativa."))]
_CHOOSE_SOME = [InputRequired(_l("Marque al menos una alternativa."))]


def choice_inputs(field) -> list[tuple[str, object, str, bool]]:
    """(id, value, label, checked) of each choice of a quiz field, as its option subfields would give them
    (WTForms' ids "<field id>-<index>"), without building a Field per choice as iterating the field does,
    nor the Choice objects of iter_choices(): quiz_form_for's choices are SelectChoices of int values
    already, so `coerce` has nothing left to do."""
    data = field.data
    chosen = data if isinstance(data, list) else (data,)
    return [
        (f"{field.id}-{index}", choice.value, choice.label or choice.value, choice.value in chosen)
        for index, choice in enumerate(field.choices)
    ]


def answers_from(form: FlaskForm, attempt) -> dict[int, list[int]]:
    answers: dict[int, list[int]] = {}
    for item in attempt.questions:
        data = form[field_name(item.question_id)].data
        if data is None or data == []:
            continue
        answers[item.question_id] = list(data) if isinstance(data, list) else [data]
    return answers
