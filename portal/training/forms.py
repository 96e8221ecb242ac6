"""Forms of the trainers' area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from portal.attachments import ACCEPT
from portal.content import institutional_text
from portal.fields import BoundedIntegerField, TextField
from portal.models.quiz import MULTIPLE, SINGLE, TRUE_FALSE
from portal.quizzes.exchange import SLUG_PATTERN
from portal.videos import ACCEPT as VIDEO_ACCEPT
from portal.vocabulary import AnswerVisibility

CHOICE_ROWS = 6
MAX_CHOICES = 20


class ModuleForm(FlaskForm):
    slug = StringField(
        _l("Identificador en la dirección"),
        validators=[
            DataRequired(_l("Escriba un identificador.")),
            Length(max=80),
            Regexp(
                SLUG_PATTERN,
                message=_l("Use minúsculas sin tildes, números y guiones, por ejemplo «buen-trato»."),
            ),
        ],
    )
    title = StringField(_l("Título"), validators=[DataRequired(_l("Escriba un título.")), Length(max=200)])
    summary = TextField(_l("Resumen (se muestra en el tablero de cada persona)"), validators=[Length(max=1000)])
    required = BooleanField(_l("Obligatorio para completar la inducción"), default=True)


class LessonForm(FlaskForm):
    title = StringField(
        _l("Título de la lección"), validators=[DataRequired(_l("Escriba un título.")), Length(max=200)]
    )
    body_md = TextField(
        _l("Contenido (Markdown)"),
        validators=[DataRequired(_l("La lección no puede quedar vacía.")), Length(max=50_000)],
        render_kw={"rows": 18},
    )
    image = FileField(
        _l("Imagen para el texto (PNG, JPEG o WebP, hasta 2 MB)"),
        render_kw={"accept": "image/png,image/jpeg,image/webp", "data-upload": "image"},
    )
    document = FileField(
        _l("Documento adjunto (PDF, Word, Excel u OpenDocument)"),
        render_kw={"accept": ACCEPT, "data-upload": "document"},
    )
    #: Not "video": that is the lesson's attribute, which LessonForm(obj=lesson) would take as its value.
    video_file = FileField(_l("Video (MP4 o WebM)"), render_kw={"accept": VIDEO_ACCEPT, "data-upload": "video"})
    #: Small: it always travels with the lesson's form, with or without JavaScript.
    captions = FileField(_l("Subtítulos del video (WebVTT, .vtt)"), render_kw={"accept": ".vtt,text/vtt"})
    transcript = TextField(
        _l("Transcripción del video (opcional)"), validators=[Length(max=50_000)], render_kw={"rows": 5}
    )


class QuizSettingsForm(FlaskForm):
    pass_mark = BoundedIntegerField(
        _l("Nota de aprobación (%)"),
        validators=[
            DataRequired(_l("Indique la nota de aprobación.")),
            NumberRange(1, 100, _l("Debe estar entre 1 y 100.")),
        ],
    )
    max_attempts = BoundedIntegerField(
        _l("Intentos permitidos (vacío = ilimitados)"),
        validators=[Optional(), NumberRange(min=1, message=_l("Debe ser al menos 1."))],
    )
    shuffle = BooleanField(_l("Mostrar las alternativas en orden aleatorio en cada intento"))
    shuffle_questions = BooleanField(_l("Mostrar las preguntas en orden aleatorio en cada intento"))
    show_answers = SelectField(
        _l("Mostrar las respuestas correctas y las explicaciones"),
        choices=[SelectChoice(member.value, member.label) for member in AnswerVisibility],
    )
    pool_size = BoundedIntegerField(
        _l("Preguntas por intento (vacío = todas)"),
        validators=[Optional(), NumberRange(min=1, message=_l("Debe ser al menos 1."))],
    )


class ChoiceRow(Form):
    text = StringField(_l("Texto"), validators=[Length(max=1000)])
    correct = BooleanField(_l("Correcta"))


class QuestionForm(FlaskForm):
    kind = SelectField(
        _l("Tipo de pregunta"),
        choices=[
            SelectChoice(SINGLE, _l("Selección única")),
            SelectChoice(MULTIPLE, _l("Selección múltiple")),
            SelectChoice(TRUE_FALSE, _l("Verdadero o falso")),
        ],
    )
    prompt = TextField(_l("Enunciado"), validators=[Length(max=5000)], render_kw={"rows": 4})
    explanation = TextField(
        _l("Explicación (se muestra junto con las respuestas correctas)"),
        validators=[Length(max=5000)],
        render_kw={"rows": 3},
    )
    true_answer = RadioField(
        _l("Respuesta correcta (verdadero o falso)"),
        choices=[SelectChoice("true", _l("Verdadero")), SelectChoice("false", _l("Falso"))],
        validators=[Optional()],
    )
    choices = FieldList(FormField(ChoiceRow), min_entries=CHOICE_ROWS, max_entries=MAX_CHOICES)
    #: The institutional values the question assesses (statistics add them up per value).
    values = SelectMultipleField(_l("Valores institucionales que evalúa"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.values.choices = [(name, name) for name in institutional_text().values]

    def load(self, question: dict) -> None:
        """Fill the form from an exchange-format question."""
        self.kind.data = question["kind"]
        self.values.data = list(question.get("values") or [])
        self.prompt.data = question["prompt"]
        self.explanation.data = question.get("explanation", "")
        if question["kind"] == TRUE_FALSE:
            first_is_true = question["choices"][0]["text"].strip().lower() == "verdadero"
            true_correct = question["choices"][0 if first_is_true else 1]["correct"]
            self.true_answer.data = "true" if true_correct else "false"
        else:
            while len(self.choices.entries) < len(question["choices"]):
                self.choices.append_entry()  # imported questions may have more than six
            for row, choice in zip(self.choices.entries, question["choices"], strict=False):
                row.form.text.data = choice["text"]
                row.form.correct.data = choice["correct"]

    def to_question(self) -> dict:
        """The question as typed, in the exchange format (blank choice rows left out)."""
        kind = self.kind.data
        if kind == TRUE_FALSE:
            truth = self.true_answer.data
            choices = [
                {"text": "Verdadero", "correct": truth == "true"},
                {"text": "Falso", "correct": truth == "false"},
            ]
        else:
            choices = [
                {"text": row.form.text.data.strip(), "correct": bool(row.form.correct.data)}
                for row in self.choices.entries
                if (row.form.text.data or "").strip()
            ]
        question = {
            "kind": kind,
            "prompt": (self.prompt.data or "").strip(),
            "explanation": (self.explanation.data or "").strip(),
            "choices": choices,
        }
        # Only when tagged, as a revision's question reads back (exchange.exported_question).
        tagged = set(self.values.data or ())
        if values := [name for name in institutional_text().values if name in tagged]:
            question["values"] = values
        return question

    def validate(self, extra_validators=None) -> bool:
        """Besides the fields, refuse what makes a question unusable, next to the right field."""
        #: Problems with the set of choices as a whole, shown next to the choices.
        self.choice_errors: list[str] = []
        valid = super().validate(extra_validators)
        question = self.to_question()
        if not question["prompt"]:
            self.prompt.errors.append(_l("Escriba el enunciado de la pregunta."))
            valid = False
        if question["kind"] == TRUE_FALSE:
            if self.true_answer.data not in ("true", "false"):
                self.true_answer.errors.append(_l("Indique si la afirmación es verdadera o falsa."))
                valid = False
            return valid
        right = sum(choice["correct"] for choice in question["choices"])
        problem = None
        if len(question["choices"]) < 2:
            problem = _l("Escriba al menos dos alternativas.")
        elif right == 0:
            problem = _l("Marque al menos una alternativa correcta.")
        elif question["kind"] == SINGLE and right > 1:
            problem = _l(
                "Una pregunta de selección única tiene exactamente una alternativa correcta; "
                "marque solo una o cámbiela a selección múltiple."
            )
        elif question["kind"] == MULTIPLE and right == len(question["choices"]):
            problem = _l(
                "Si todas las alternativas son correctas, la pregunta no mide nada: agregue al menos una incorrecta."
            )
        if any(row.form.correct.data and not (row.form.text.data or "").strip() for row in self.choices.entries):
            problem = _l("Hay una alternativa marcada como correcta pero sin texto.")
        if problem:
            self.choice_errors.append(problem)
            valid = False
        return valid


class UploadForm(FlaskForm):
    file = FileField(_l("Archivo"), validators=[FileRequired(_l("Elija un archivo."))])
