"""The settings file's typed tools section: defaults, round trip, files written before it was typed,
and the keys this version does not know (top level and inside ``tools``) kept as they are."""

from __future__ import annotations

import json
from typing import Any

from desktop_app.storage import paths
from desktop_app.storage.settings import Settings, ToolSettings, load_settings, save_settings
from desktop_app.ui.dialogs.tool_settings import load_tool_settings, save_tool_settings


def write(data: dict[str, Any]) -> None:
    paths.settings_path().parent.mkdir(parents=True, exist_ok=True)
    paths.settings_path().write_text(json.dumps(data), encoding="utf-8")


def saved() -> dict[str, Any]:
    return json.loads(paths.settings_path().read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_defaults_and_no_tools_key_until_something_is_chosen() -> None:
    assert load_settings().tools == ToolSettings("duckduckgo", "", False, False)
    save_settings(Settings())
    assert "tools" not in saved()  # untouched defaults are not pinned in the file


def test_round_trip() -> None:
    chosen = ToolSettings("searxng", "http://127.0.0.1:8888", allow_local_urls=True, run_python=True)
    save_settings(Settings(tools=chosen))
    assert saved()["tools"] == {
        "search_backend": "searxng",
        "search_url": "http://127.0.0.1:8888",
        "allow_local_urls": True,
        "run_python": True,
    }
    assert load_settings().tools == chosen


def test_an_older_files_tools_object_is_migrated_and_unknown_keys_are_kept() -> None:
    write(
        {
            "version": 1,
            "providers": [],
            "theme": "dark",
            "tools": {
                "search_backend": " Brave ",
                "run_python": True,
                "allow_local_urls": "yes",
                "future": [1],
            },
        }
    )
    settings = load_settings()
    assert settings.tools == ToolSettings("brave", "", allow_local_urls=False, run_python=True)
    assert settings.extra == {"theme": "dark"} and settings.tools_extra == {"future": [1]}
    save_tool_settings(ToolSettings("tavily"))
    data = saved()
    assert data["theme"] == "dark"
    assert data["tools"] == {
        "future": [1],
        "search_backend": "tavily",
        "search_url": "",
        "allow_local_urls": False,
        "run_python": False,
    }


def test_odd_sections_fall_back_to_defaults() -> None:
    write({"tools": ["not", "an", "object"]})
    assert load_settings().tools == ToolSettings()
    write({"tools": {"search_backend": 3, "search_url": None, "run_python": 1}})
    assert load_settings().tools == ToolSettings()


def test_a_search_service_this_version_does_not_know_is_kept_in_the_file_but_offered_as_duckduckgo() -> None:
    write({"tools": {"search_backend": "kagi", "run_python": True}})
    assert load_settings().tools.search_backend == "kagi"
    assert load_tool_settings() == ToolSettings("duckduckgo", run_python=True)
    save_settings(load_settings())
    assert saved()["tools"]["search_backend"] == "kagi"
