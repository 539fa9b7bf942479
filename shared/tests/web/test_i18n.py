"""Human texts per request language: problem details by code, per-item errors, Pydantic's
validation errors from their type, job progress keys, and how the language is chosen."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import FastAPI, Query, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request as StarletteRequest

from smartdist.problems import PROBLEM_SCHEMA, NotFound, Unprocessable, install_problem_handlers
from smartdist.web.i18n import Translator, accept_language, keyed_message, language_for, translator_for
from smartdist.web.pages import Pages

MESSAGES = {
    "zh-TW": {
        "problem.demo.depot.missing": "找不到站點 {depot}",
        "error.demo.row.qty": "第 {row} 列：數量必須是正整數",
        "field.name": "名稱",
        "field.qty": "數量",
        "demo.progress.training": "訓練模型中（{done}/{total}）",
        "demo.reason": "距離 {distance_m} 公尺超過上限 {limit_m} 公尺",
    },
    "en": {
        "problem.demo.depot.missing": "No depot {depot}",
        "error.demo.row.qty": "row {row}: the quantity must be a positive whole number",
        "field.name": "name",
        "field.qty": "quantity",
        "demo.progress.training": "training the model ({done}/{total})",
        "demo.reason": "trip of {distance_m} m is over the limit of {limit_m} m",
    },
}


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=6, max_length=20)
    qty: int = Field(ge=1, le=99)


def make_app() -> FastAPI:
    app = FastAPI()
    app.state.messages = MESSAGES
    app.state.pages = Pages(None, MESSAGES)
    install_problem_handlers(app)

    @app.post("/items")
    def create(body: ItemIn) -> dict[str, str]:
        return {"name": body.name}

    @app.get("/depots/{depot}")
    def depot(depot: int) -> dict[str, str]:
        raise NotFound(f"No depot {depot} here.", code="demo.depot.missing", params={"depot": depot})

    @app.get("/uncoded")
    def uncoded() -> dict[str, str]:
        raise NotFound("Plain English only.")

    @app.post("/import")
    def import_rows() -> dict[str, str]:
        raise Unprocessable(
            "2 rows have errors; nothing was imported.",
            code="demo.import.rows",
            params={"n": 2},
            errors=[
                {
                    "loc": ["body", "file", 3],
                    "row": 3,
                    "column": "qty",
                    "code": "demo.row.qty",
                    "params": {"row": 3},
                    "message": "row 3: qty",
                },
                {"loc": ["body", "file", 4], "row": 4, "column": "sku", "message": "row 4: unknown sku"},
            ],
        )

    @app.get("/search")
    def search(limit: Annotated[int, Query(ge=1, le=100)] = 10) -> dict[str, int]:
        return {"limit": limit}

    @app.get("/reason")
    def reason(request: Request) -> dict[str, str]:
        t = translator_for(request)
        return {"code": "demo.reason", "reason": t("demo.reason", distance_m=13359, limit_m=8000)}

    return app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(make_app())


def test_a_coded_problem_is_rendered_in_the_request_language_and_keeps_its_code(client: TestClient) -> None:
    zh = client.get("/depots/3")
    assert zh.status_code == 404 and zh.json()["detail"] == "找不到站點 3" and zh.json()["code"] == "demo.depot.missing"
    assert zh.json()["title"] == "找不到" and zh.headers["content-language"] == "zh-TW"
    en = client.get("/depots/3", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert en.json()["detail"] == "No depot 3" and en.json()["title"] == "Not found"
    assert en.json()["code"] == "demo.depot.missing" and en.headers["content-language"] == "en"
    assert client.get("/depots/3?lang=en").json()["detail"] == "No depot 3"
    assert TestClient(make_app(), cookies={"smartdist_lang": "en"}).get("/depots/3").json()["detail"] == "No depot 3"


def test_a_problem_without_a_catalog_entry_falls_back_to_the_english_given(client: TestClient) -> None:
    body = client.get("/uncoded").json()
    assert body["detail"] == "Plain English only." and body["code"] == "not-found"


def test_per_item_errors_are_rendered_from_their_code_and_keep_row_and_column(client: TestClient) -> None:
    body = client.post("/import").json()
    first, second = body["errors"]
    assert first["message"] == "第 3 列：數量必須是正整數" and first["row"] == 3 and first["column"] == "qty"
    assert first["code"] == "demo.row.qty" and first["params"] == {"row": 3}
    assert second["message"] == "row 4: unknown sku"  # no code: the message given
    english = client.post("/import", headers={"Accept-Language": "en"}).json()
    assert english["errors"][0]["message"] == "row 3: the quantity must be a positive whole number"


def test_pydantic_errors_are_translated_once_from_their_type_with_the_field_label(client: TestClient) -> None:
    body = client.post("/items", json={"name": "abc", "qty": 0, "colour": "red"}).json()
    messages = {tuple(e["loc"]): e["message"] for e in body["errors"]}
    assert messages == {
        ("body", "name"): "名稱：至少需要 6 個字元",
        ("body", "qty"): "數量：必須大於或等於 1",
        ("body", "colour"): "colour：不接受此欄位",
    }
    codes = {e["code"] for e in body["errors"]}
    assert codes == {"validation.string_too_short", "validation.greater_than_equal", "validation.extra_forbidden"}
    assert body["code"] == "validation" and body["title"] == "輸入有誤"
    assert body["detail"] == "名稱：至少需要 6 個字元（另有 2 處錯誤）"
    missing = client.post("/items", json={}).json()
    assert {e["message"] for e in missing["errors"]} == {"名稱：必填", "數量：必填"}
    english = client.post("/items", json={"name": "abc", "qty": 100}, headers={"Accept-Language": "en"}).json()
    assert [e["message"] for e in english["errors"]] == [
        "name: Needs at least 6 characters",
        "quantity: Must be at most 99",
    ]
    assert english["detail"] == "name: Needs at least 6 characters (and 1 more)"


def test_no_english_pydantic_fragment_in_chinese(client: TestClient) -> None:
    for answer in (
        client.post("/items", json={"name": 5, "qty": "many"}),
        client.post("/items", content=b"{not json", headers={"Content-Type": "application/json"}),
        client.get("/search?limit=0"),
        client.get("/search?limit=x"),
        client.get("/depots/abc"),
    ):
        text = answer.text
        assert answer.status_code == 422, text
        for fragment in ("Input should", "Field required", "String should", "Value error", "JSON decode"):
            assert fragment not in text, text


def test_starlette_answers_are_translated(client: TestClient) -> None:
    body = client.get("/nowhere").json()
    assert body["status"] == 404 and body["detail"] == "找不到此頁面或資源。" and body["code"] == "http.404"
    assert client.delete("/items").json()["title"] == "不支援此操作"


def test_problem_schema_documents_the_code() -> None:
    assert PROBLEM_SCHEMA["properties"]["code"] == {
        "type": "string",
        "description": PROBLEM_SCHEMA["properties"]["code"]["description"],
    }
    item = PROBLEM_SCHEMA["properties"]["errors"]["items"]["properties"]
    assert {"code", "params", "row", "column", "message"} <= set(item)


def test_json_texts_beside_a_code_via_translator_for(client: TestClient) -> None:
    assert client.get("/reason").json() == {"code": "demo.reason", "reason": "距離 13359 公尺超過上限 8000 公尺"}
    english = client.get("/reason", headers={"Accept-Language": "en"}).json()["reason"]
    assert english == "trip of 13359 m is over the limit of 8000 m"


def test_job_progress_keys_are_rendered_and_plain_text_is_kept() -> None:
    t = Translator("zh-TW", MESSAGES)
    assert t.message(keyed_message("demo.progress.training", done=3, total=10)) == "訓練模型中（3/10）"
    assert t.message("demo.progress.training") == "訓練模型中（{done}/{total}）"  # no params: the template
    assert t.message("storing the plan") == "storing the plan"
    assert t.message("unknown.key.here") == "unknown.key.here"
    assert Translator("en", MESSAGES).message(keyed_message("demo.progress.training", done=1, total=2)) == (
        "training the model (1/2)"
    )
    assert t.message("") == ""


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("", "zh-TW"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7", "zh-TW"),
        ("fr-FR, en;q=0.5", "en"),
        ("en;q=0.3, zh-CN;q=0.8", "zh-TW"),
        ("de", "zh-TW"),
        ("en;q=0", "zh-TW"),
        ("*", "zh-TW"),
    ],
)
def test_accept_language(header: str, lang: str) -> None:
    assert accept_language(header) == lang


def test_query_beats_cookie_beats_header() -> None:
    def request(query: str, cookie: str, accept: str) -> StarletteRequest:
        headers = [(b"accept-language", accept.encode())]
        if cookie:
            headers.append((b"cookie", f"smartdist_lang={cookie}".encode()))
        return StarletteRequest(
            {"type": "http", "method": "GET", "path": "/", "query_string": query.encode(), "headers": headers}
        )

    assert language_for(request("lang=en", "zh-TW", "zh-TW")) == "en"
    assert language_for(request("", "en", "zh-TW")) == "en"
    assert language_for(request("", "", "en")) == "en"
    assert language_for(request("lang=xx", "", "")) == "zh-TW"


def test_translator_get_falls_back_on_missing_placeholders() -> None:
    t = Translator("en", MESSAGES)
    assert t.get("problem.demo.depot.missing", "fallback") == "fallback"
    assert t.get("nope", "fallback") == "fallback"
    assert t("demo.reason", distance_m=1) == "trip of 1 m is over the limit of {limit_m} m"
    assert t.field("qty") == "quantity" and t.field("colour") == "colour"


def test_a_browser_navigating_gets_the_problem_as_a_page_in_its_language(client: TestClient) -> None:
    html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    page = client.get("/search?limit=0", headers=html)
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "每頁筆數" in page.text  # the shared field label
    assert "必須大於或等於 1" in page.text and "Input should" not in page.text and 'lang="zh-TW"' in page.text
    assert page.text.count("必須大於或等於 1") == 1  # the detail, not once more from errors[]
    english = client.get("/depots/3?lang=en", headers=html)
    assert english.status_code == 404 and "No depot 3" in english.text
    api = client.get("/search?limit=0", headers={"Accept": "application/json"})
    assert api.headers["content-type"].startswith("application/problem+json")
