"""`inwriting draft ...` through Typer's runner: import, show, versions, export and re-import."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import Cli, assert_failed, one_json

TREATY = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "draft_treaty_us_ru_2021-12-17.txt"

pytestmark = pytest.mark.skipif(not TREATY.exists(), reason=f"the corpus is not at {TREATY.parent}")


def test_draft_round_trip(cli: Cli, tmp_path: Path) -> None:
    imported = one_json(
        cli.ok("draft", "import", str(TREATY), "--track", "ru-us", "--as", "RU", "--doc", "t", "--json")
    )
    assert imported["ok"] is True and imported["version"] == "t@v1" and imported["points"] == 18
    assert any("GAP" in note for note in imported["notes"])

    shown = one_json(cli.ok("draft", "show", "t@v1", "--json"))
    assert [p["eid"] for p in shown["points"]][:2] == ["art_1", "art_2"]
    assert shown["points"][0]["children"][0]["eid"] == "art_1__point_i"
    assert shown["author"] == "RU" and shown["content"].startswith("sha256:")

    out = tmp_path / "t.md"
    cli.ok("draft", "export", "t@v1", "--format", "md", "--out", str(out))
    assert out.read_text(encoding="utf-8").count("## Article") == 8
    again = one_json(
        cli.ok(
            "draft",
            "import",
            str(out),
            "--track",
            "ru-us",
            "--as",
            "RU",
            "--doc",
            "t",
            "--based-on",
            "t@v1",
            "--json",
        )
    )
    assert again["version"] == "t@v2"
    lineage = one_json(cli.ok("draft", "versions", "t", "--json"))
    assert [(v["version"], v["based_on"]) for v in lineage["versions"]] == [("t@v1", None), ("t@v2", "t@v1")]
    assert "t@v2" in cli.ok("draft", "versions", "t").stdout
    assert one_json(cli.ok("log", "verify", "--json"))["ok"] is True


def test_draft_refusals(cli: Cli, tmp_path: Path) -> None:
    assert_failed(cli.invoke("draft", "import", str(TREATY), "--track", "ru-us", "--as", "NATO"), "NATO")
    assert_failed(
        cli.invoke("draft", "import", str(tmp_path / "none.txt"), "--track", "ru-us", "--as", "RU"), "no file"
    )
    assert_failed(cli.invoke("draft", "show", "ghost@v1"), "does not exist")
    assert_failed(
        cli.invoke("draft", "export", "ghost@v1", "--format", "pdf", "--out", str(tmp_path / "x")),
        "format must be one of md, akn, docx, html",
    )
    assert not (tmp_path / "x").exists()
