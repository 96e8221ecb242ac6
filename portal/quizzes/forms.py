"""The quiz form, built for the questions of one attempt."""

from __future__ import annotations

from typing import NamedTuple

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
        choices = _choices(item)
        if item.question.kind == MULTIPLE:
            field = CheckboxListField("", choices=choices, coerce=int, validators=_CHOOSE_SOME)
        else:
            field = RadioField("", choices=choices, coerce=int, validators=_CHOOSE_ONE)
        fields.append((field_name(item.question.id), field))
    return QuizForm(fields, formdata=formdata) if formdata is not None else QuizForm(fields)


def _choices(item) -> list[SelectChoice]:
    """The question's choices in the attempt's order."""
    texts = {choice.id: choice.text for choice in item.question.choices}
    return [SelectChoice(choice_id, texts[choice_id]) for choice_id in item.choice_ids]


# The page shows each question's prompt itself: the fields need no label.
_CHOOSE_ONE = [InputRequired(_l("Elija una alternativa."))]
_CHOOSE_SOME = [InputRequired(_l("Marque al menos una alternativa."))]


class QuestionInputs(NamedTuple):
    """A question of the quiz page as it writes its inputs (see question_inputs)."""

    #: The attempt's item: its position and question.
    item: object
    #: The field's name, which is also its id.
    name: str
    #: Why the answer was refused, if it was.
    error: str | None
    #: (id, value, label, checked) of each choice, in the attempt's order.
    choices: list[tuple[str, object, str, bool]]


def question_inputs(attempt, form: FlaskForm | None = None) -> list[QuestionInputs]:
    """The attempt's questions as the quiz page writes them: the inputs WTForms' widgets would write
    (ids "<field id>-<index>", tests/test_quiz_integrity.py), with what the person chose and why it was
    refused when `form` is a refused submission. A page showing the questions unanswered needs no form:
    building one cost more than the rest of the page's questions."""
    inputs = []
    for item in attempt.questions:
        name = field_name(item.question_id)
        if form is None:
            inputs.append(QuestionInputs(item, name, None, _choice_inputs(name, _choices(item), None)))
        else:
            field = form[name]
            error = field.errors[0] if field.errors else None
            inputs.append(QuestionInputs(item, name, error, _choice_inputs(field.id, field.choices, field.data)))
    return inputs


def _choice_inputs(field_id: str, choices: list[SelectChoice], data) -> list[tuple[str, object, str, bool]]:
    """(id, value, label, checked) of each choice, as a field's option subfields would give them, without
    building a Field per choice as iterating the field does, nor iter_choices()' Choice objects: the
    choices' values are ints already, so `coerce` has nothing left to do."""
    chosen = data if isinstance(data, list) else (data,)
    return [
        (f"{field_id}-{index}", choice.value, choice.label or choice.value, choice.value in chosen)
        for index, choice in enumerate(choices)
    ]


def answers_from(form: FlaskForm, attempt) -> dict[int, list[int]]:
    answers: dict[int, list[int]] = {}
    for item in attempt.questions:
        data = form[field_name(item.question_id)].data
        if data is None or data == []:
            continue
        answers[item.question_id] = list(data) if isinstance(data, list) else [data]
    return answers
