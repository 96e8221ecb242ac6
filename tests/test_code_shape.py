"""The code keeps the shape the README promises: a map that matches the tree, small files and
functions, and audit events recorded by the operations that change data.

Each test names the offenders when it fails, longest first, so the fix starts where it matters.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORTAL = ROOT / "portal"
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
#: Audit events that exist only at the web layer: who signed in or out, and what was downloaded
#: (a download changes nothing, so no operation could record it).
WEB_ONLY_EVENTS = {
    "auth.login",
    "auth.login_failed",
    "auth.logout",
    "report.exported",
    "report.certificate_downloaded",
    "report.certificates_downloaded",
    "audit.exported",
    "privacy.data_downloaded",
}


def python_files():
    return sorted(path for path in PORTAL.rglob("*.py") if "__pycache__" not in path.parts)


def architecture_map() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture", 1)[1]
    return section.split("```", 2)[1]


def test_the_readme_map_names_every_package_and_only_what_exists():
    text = architecture_map()
    named = set()
    for line in text.splitlines()[1:]:  # the first line is "portal/"
        if line.startswith("  ") and not line.startswith("   "):
            for word in line.split():  # the entry's names come first ("templates/ static/"), then what it holds
                if not re.fullmatch(r"\w+/|\w+\.py", word):
                    break
                named.add(word.rstrip("/"))
    packages = {path.parent.name for path in PORTAL.glob("*/__init__.py")}
    unnamed = sorted(packages - named)
    assert not unnamed, f"packages of portal/ missing from the README's architecture map: {unnamed}"
    missing = sorted(name for name in named if not (PORTAL / name).exists())
    assert not missing, f"the README's architecture map names what portal/ does not have: {missing}"


def test_no_file_or_function_is_too_long():
    long_files, long_functions = [], []
    for path in python_files():
        source = path.read_text(encoding="utf-8")
        relative = path.relative_to(ROOT)
        lines = source.count("\n")
        if lines > MAX_FILE_LINES:
            long_files.append((lines, str(relative)))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long_functions.append((length, f"{relative}:{node.lineno} {node.name}"))
    problems = [f"{lines} lines: {name}" for lines, name in sorted(long_files, reverse=True)]
    problems += [f"{lines} lines: {name}()" for lines, name in sorted(long_functions, reverse=True)]
    assert not problems, (
        f"files over {MAX_FILE_LINES} lines or functions over {MAX_FUNCTION_LINES}, longest first:\n"
        + "\n".join(problems)
    )


def audit_calls():
    """(path, line, action) of every audit.record(...) call in the application."""
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
            ):
                first = node.args[0] if node.args else None
                action = first.value if isinstance(first, ast.Constant) else "?"
                yield path.relative_to(ROOT), node.lineno, action


def is_view_module(path: Path) -> bool:
    return path.name == "views.py" or path.name.endswith("_views.py") or path.parent.name == "routes"


def test_views_record_only_the_events_that_exist_at_the_web_layer(capsys):
    calls = list(audit_calls())
    with capsys.disabled():
        print(f"\naudit.record call sites ({len(calls)}):")
        for path, line, action in calls:
            print(f"  {'view   ' if is_view_module(path) else 'service'} {path}:{line} {action}")
    in_views = [
        f"{path}:{line} {action}"
        for path, line, action in calls
        if is_view_module(path) and action not in WEB_ONLY_EVENTS
    ]
    assert not in_views, "views record events their operation should record (change, flush, record):\n" + "\n".join(
        in_views
    )


def test_the_import_contract_names_every_route_module():
    """pyproject.toml's "domain code does not import views" contract lists the route modules by
    name; a new route module must join it, or domain code could import it unnoticed."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [contract] = [c for c in config["tool"]["importlinter"]["contracts"] if c["name"].startswith("Domain code")]
    forbidden = contract["forbidden_modules"]
    route_modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in python_files()
        if re.search(r"^@(?:\w+\.)?bp\.(?:route|get|post)\(", path.read_text(encoding="utf-8"), re.MULTILINE)
    )
    assert route_modules, "found no route modules: the search is broken"
    unlisted = [
        module
        for module in route_modules
        if module not in forbidden and not (module.count(".") == 2 and module.endswith(".views"))
    ]
    assert not unlisted, f"add these route modules to the import contract in pyproject.toml: {unlisted}"


def test_statuses_states_and_employment_types_are_spelled_only_in_the_vocabulary():
    from portal.vocabulary import EmploymentType, ModuleState, PersonStatus

    words = {member.value for enum in (PersonStatus, ModuleState, EmploymentType) for member in enum}
    spelled = []
    for path in python_files():
        if path.name == "vocabulary.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # What people type (a dictionary's keys, e.g. the import's "de planta") is not the portal's word.
        keys = {id(key) for node in ast.walk(tree) if isinstance(node, ast.Dict) for key in node.keys}
        spelled += [
            f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in words and id(node) not in keys
        ]
    assert not spelled, "use portal.vocabulary instead of spelling these again:\n" + "\n".join(spelled)


def test_a_local_zone_places_wall_times_itself():
    """pytz zones (Flask-Babel's) given as `tzinfo=` or `.replace(tzinfo=...)` take their first offset in
    history (Santiago's -4:43): local times are made with dates.at_local_hour / localize, and moments are
    converted with astimezone. Only UTC may be attached directly."""
    attached = re.compile(r"tzinfo\s*=\s*(?!UTC\b|None\b|timezone\.utc\b|datetime\.UTC\b)[A-Za-z_]")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(PORTAL.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if attached.search(line) and not line.lstrip().startswith("#")
    ]
    assert offenders == []
