"""/api/v1/markdown-templates: a merchant's markdown schedule per category of goods."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from fastapi.responses import Response

from smartdist.auth import Principal, require_roles
from smartdist.problems import problem_responses
from smartdist.web.deps import DbSession
from smartdist_surplus_market.markdowns import service
from smartdist_surplus_market.markdowns.schemas import TemplateIn, TemplateList, TemplateOut

router = APIRouter(tags=["markdown templates"])
SellerStaff = Annotated[Principal, require_roles("clerk", "integrator")]
CategoryPath = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[^\x00/]+$")]


@router.get("/markdown-templates", response_model=TemplateList, responses=problem_responses(401, 403))
def list_templates(session: DbSession, principal: SellerStaff) -> TemplateList:
    """The merchant's templates, one per category."""
    return TemplateList(items=[TemplateOut.model_validate(r) for r in service.templates(session)])


@router.get("/markdown-templates/{category}", response_model=TemplateOut, responses=problem_responses(401, 403, 404))
def get_template(category: CategoryPath, session: DbSession, principal: SellerStaff) -> TemplateOut:
    """One category's template."""
    row = service.template_for(session, category)
    if row is None:
        raise service.TemplateNotFound(
            f"No markdown template for '{category}'.", code="surplus.template.not_found", params={"category": category}
        )
    return TemplateOut.model_validate(row)


@router.put("/markdown-templates/{category}", response_model=TemplateOut, responses=problem_responses(401, 403, 422))
def put_template(category: CategoryPath, body: TemplateIn, session: DbSession, principal: SellerStaff) -> TemplateOut:
    """Set the steps (and floor) new listings of this category get when they give no markdown."""
    return TemplateOut.model_validate(service.put_template(session, category, body.markdown, body.floor_percent))


@router.delete(
    "/markdown-templates/{category}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 403, 404),
)
def delete_template(category: CategoryPath, session: DbSession, principal: SellerStaff) -> Response:
    """Remove a category's template (listings made from it keep their steps)."""
    service.remove_template(session, category)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
