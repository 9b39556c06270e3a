"""The flag-key scanner on source trees the tests write: each language, custom patterns, skips."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from premiere.cli.deployments.scan import ScanConfig, ScanError, compile_pattern, load_config, scan


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


def found(root: Path, config: ScanConfig | None = None) -> set[tuple[str, str, int]]:
    return {(r.key, r.path, r.line) for r in scan(root, config).references}


PYTHON = """\
import premiere
client = premiere.Client(config)
a = client.variation("py-plain", ctx, False)
b = client.bool_variation('py-bool', ctx, False)
c = client.string_variation(key="py-keyword", context=ctx, default="x")
d = client.variation_detail(
    "py-multiline",
    ctx,
    None,
)
e = of_client.get_boolean_value("py-openfeature", False)
f = of_client.get_string_details(flag_key="py-of-keyword", default_value="")
g = client.json_variation(some_variable, ctx, {})  # not a literal: not found
h = client.variation(f"py-{name}", ctx)  # an f-string: not found
"""

JAVASCRIPT = """\
const a = ldClient.variation('js-plain', ctx, false);
const b = await client.getBooleanValue("js-openfeature", false);
const c = client.getStringDetails(`js-template`, "x");
export function Banner() {
  const on = useFlag('react-flag', false);
  const v = useBooleanFlagValue("react-of", false);
}
const d = client.boolVariation("js-bool", ctx, false)
"""

TYPESCRIPT = "const x: boolean = client.getNumberValue('ts-number', 0);\n"

GO = """\
package main

func main() {
	show, _ := ld.BoolVariation("go-ld", context, false)
	v, _ := client.BooleanValue(ctx, "go-openfeature", false, openfeature.EvaluationContext{})
	w, _ := client.StringValue(context.Background(), "go-of-background", "", ec)
	d, _, _ := ld.StringVariationDetail(`go-raw`, context, "x")
}
"""

JAVA = """\
class Checkout {
    boolean on = client.boolVariation("java-ld", context, false);
    String v = client.getStringValue("java-openfeature", "blue");
    Integer n = client.getIntegerDetails("java-of-details", 3).getValue();
}
"""


def test_scan__python__sdk_and_openfeature_calls_with_lines(tmp_path: Path) -> None:
    write(tmp_path, {"app/main.py": PYTHON})
    assert found(tmp_path) == {
        ("py-plain", "app/main.py", 3),
        ("py-bool", "app/main.py", 4),
        ("py-keyword", "app/main.py", 5),
        ("py-multiline", "app/main.py", 7),
        ("py-openfeature", "app/main.py", 11),
        ("py-of-keyword", "app/main.py", 12),
    }


def test_scan__javascript_and_typescript__ld_openfeature_and_react_hooks(tmp_path: Path) -> None:
    write(tmp_path, {"web/app.jsx": JAVASCRIPT, "web/lib.ts": TYPESCRIPT})
    keys = {(key, path) for key, path, _ in found(tmp_path)}
    assert keys == {
        ("js-plain", "web/app.jsx"),
        ("js-openfeature", "web/app.jsx"),
        ("js-template", "web/app.jsx"),
        ("react-flag", "web/app.jsx"),
        ("react-of", "web/app.jsx"),
        ("js-bool", "web/app.jsx"),
        ("ts-number", "web/lib.ts"),
    }


def test_scan__go__ld_and_openfeature_with_context_argument(tmp_path: Path) -> None:
    write(tmp_path, {"cmd/main.go": GO})
    assert found(tmp_path) == {
        ("go-ld", "cmd/main.go", 4),
        ("go-openfeature", "cmd/main.go", 5),
        ("go-of-background", "cmd/main.go", 6),
        ("go-raw", "cmd/main.go", 7),
    }


def test_scan__java__ld_and_openfeature(tmp_path: Path) -> None:
    write(tmp_path, {"src/Checkout.java": JAVA})
    assert {key for key, _, _ in found(tmp_path)} == {
        "java-ld",
        "java-openfeature",
        "java-of-details",
    }


def test_scan__language_patterns__only_in_their_own_files(tmp_path: Path) -> None:
    # Given Python-style calls in a Markdown file and a Go-only form in Python
    write(tmp_path, {"README.md": 'client.variation("in-docs", ctx)\n',
                     "x.py": 'client.BooleanValue(ctx, "go-form-in-python", False)\n'})  # fmt: skip
    assert found(tmp_path) == set()


def test_scan__custom_pattern__applies_to_every_text_file(tmp_path: Path) -> None:
    write(tmp_path, {"lib/flags.rb": "if Features.on?(:beta_search)\n", "x.py": "pass\n"})
    config = ScanConfig().with_options(patterns=[r"Features\.on\?\(:([a-z_]+)\)"])
    result = scan(tmp_path, config)
    assert [(r.key, r.path, r.line, r.language) for r in result.references] == [
        ("beta_search", "lib/flags.rb", 1, "custom")
    ]


def test_scan__config_file__patterns_excludes_languages(tmp_path: Path) -> None:
    write(tmp_path, {
        ".premiere-scan.toml": (
            "patterns = ['isOn\\(\"([a-z-]+)\"\\)']\n"
            'exclude = ["generated/**", "*.min.js"]\n'
            'languages = ["python"]\n'
        ),
        "app.py": 'client.variation("kept", c)\nif isOn("custom-key"): pass\n',
        "generated/api.py": 'client.variation("generated", c)\n',
        "web/bundle.min.js": 'isOn("minified")\n',
        "web/app.js": 'client.variation("js-not-a-chosen-language", c)\n',
    })  # fmt: skip
    config = load_config(tmp_path)
    assert {key for key, _, _ in found(tmp_path, config)} == {"kept", "custom-key"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("patterns = 'x'", "patterns must be a list of strings"),
        ("patterns = ['(a)(b)']", "needs exactly one"),
        ("patterns = ['(']", "not a valid regular expression"),
        ("colour = 1", "unknown setting 'colour'"),
        ("languages = ['cobol']", "unknown language 'cobol'"),
        ("max_file_size = 0", "max_file_size"),
        ("patterns = [", "cannot read"),
    ],
)
def test_load_config__bad_file__scan_error_naming_the_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    write(tmp_path, {".premiere-scan.toml": text})
    with pytest.raises(ScanError, match=message.replace("(", r"\(").replace("?", r"\?")):
        load_config(tmp_path)


def test_compile_pattern__named_key_group__other_groups_allowed() -> None:
    pattern = compile_pattern(r"(flag|toggle)\('(?P<key>[a-z]+)'\)")
    match = pattern.search("toggle('dark')")
    assert match is not None and match.group("key") == "dark"


def test_scan__skips_vcs_dependencies_venvs_binary_and_huge_files(tmp_path: Path) -> None:
    call = 'client.variation("{}", c)\n'
    write(tmp_path, {
        "src/ok.py": call.format("kept"),
        ".git/hooks/x.py": call.format("in-git"),
        "node_modules/lib/index.js": call.format("in-node-modules"),
        ".venv/lib/site.py": call.format("in-dot-venv"),
        "myenv/pyvenv.cfg": "home = /usr\n",
        "myenv/lib/x.py": call.format("in-named-venv"),
        "src/blob.py": b"\x00\x01" + call.format("binary").encode(),
        "src/huge.py": call.format("huge") + "#" * 2_000_000,
    })  # fmt: skip
    result = scan(tmp_path)
    assert result.flag_keys() == ["kept"]
    assert result.files_skipped == 2


def test_scan__gitignore__ignored_paths_skipped_negation_and_nesting(tmp_path: Path) -> None:
    call = 'client.variation("{}", c)\n'
    write(tmp_path, {
        ".gitignore": "build/\n*.gen.py\n!keep.gen.py\n/rootonly.py\n",
        "build/out.py": call.format("in-build"),
        "a.gen.py": call.format("generated"),
        "keep.gen.py": call.format("negated"),
        "rootonly.py": call.format("root-only"),
        "pkg/rootonly.py": call.format("nested-rootonly"),
        "pkg/.gitignore": "local_*.py\n",
        "pkg/local_x.py": call.format("nested-ignored"),
        "other/local_x.py": call.format("outside-nested"),
    })  # fmt: skip
    assert scan(tmp_path).flag_keys() == ["negated", "nested-rootonly", "outside-nested"]
    everything = scan(tmp_path, ScanConfig(gitignore=False)).flag_keys()
    assert "in-build" in everything and "nested-ignored" in everything


def test_scan__single_file__scanned(tmp_path: Path) -> None:
    file = write(tmp_path, {"one.py": 'client.variation("solo", c)\n'}) / "one.py"
    assert [(r.key, r.path) for r in scan(file).references] == [("solo", "one.py")]


def test_scan__missing_path__scan_error(tmp_path: Path) -> None:
    with pytest.raises(ScanError):
        scan(tmp_path / "nope")


def test_scan_result__to_dict__keys_sorted_with_their_references(tmp_path: Path) -> None:
    write(tmp_path, {"b.py": 'client.variation("zeta", c)\nclient.variation("alpha", c)\n',
                     "a.py": 'client.variation("zeta", c)\n'})  # fmt: skip
    data = scan(tmp_path).to_dict()
    assert (data["files_scanned"], data["files_skipped"]) == (2, 0)
    assert data["keys"] == [
        {"key": "alpha", "references": [{"path": "b.py", "line": 2, "language": "python"}]},
        {"key": "zeta", "references": [{"path": "a.py", "line": 1, "language": "python"},
                                       {"path": "b.py", "line": 1, "language": "python"}]},
    ]  # fmt: skip


@pytest.mark.slow
def test_scan__ten_thousand_files__within_seconds(tmp_path: Path) -> None:
    # Given 10,000 source files in 100 directories, one flag call in each tenth
    for d in range(100):
        folder = tmp_path / f"pkg{d}"
        folder.mkdir()
        for f in range(100):
            body = "x = 1\n" * 40
            if f % 10 == 0:
                body += f'client.variation("flag-{d}-{f}", ctx, False)\n'
            (folder / f"m{f}.py").write_text(body)
    # When it is scanned
    started = time.monotonic()
    result = scan(tmp_path)
    elapsed = time.monotonic() - started
    # Then every key is found, quickly
    assert result.files_scanned == 10_000
    assert len(result.flag_keys()) == 1_000
    assert elapsed < 5, elapsed
