"""Catalog: search, product details, similar products, recommendations."""

from __future__ import annotations

from commerce.models import ProductCard, SearchResult
from commerce.search import get_product, recommend, search_products, similar_products
from voice_server.api.routing import ApiCall, ApiRouter
from voice_server.api.schemas import LimitQuery, ProductPath, ProductSearchQuery, RecommendationQuery

router = ApiRouter(tags=("products",))


@router.get("/api/products/search", summary="Search products", query=ProductSearchQuery,
            response=SearchResult, errors=(401, 422, 429))
async def search(call: ApiCall) -> SearchResult:
    """Filtered, ranked and personalised; filters are relaxed (and listed) when nothing matches."""
    query: ProductSearchQuery = call.query
    return await search_products(call.pool, query.filters(), user_id=call.user_id,
                                 limit=query.limit, offset=query.offset)


@router.get("/api/products/{product_id}", summary="One product", path_params=ProductPath,
            response=ProductCard, errors=(401, 404, 422, 429))
async def product_details(call: ApiCall) -> ProductCard:
    return await get_product(call.pool, call.path.product_id)


@router.get("/api/products/{product_id}/similar", summary="Products like this one", path_params=ProductPath,
            query=LimitQuery, response=list[ProductCard], errors=(401, 404, 422, 429))
async def product_similar(call: ApiCall) -> list[ProductCard]:
    return await similar_products(call.pool, call.path.product_id, limit=call.query.limit)


@router.get("/api/recommendations", summary="Recommended for the shopper", query=RecommendationQuery,
            response=list[ProductCard], errors=(401, 422, 429))
async def recommendations(call: ApiCall) -> list[ProductCard]:
    query: RecommendationQuery = call.query
    return await recommend(call.pool, call.user_id, limit=query.limit, filters=query.filters())
