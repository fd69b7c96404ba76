"""Size advice, return risk and fit reviews for the signed-in shopper."""

from __future__ import annotations

from commerce.fit_reviews import review_fit
from commerce.models import FitReview, ReturnRisk
from commerce.shopper_advice import return_risk, size_advice
from voice_server.api.routing import ApiCall, ApiRouter
from voice_server.api.schemas import FitReviewBody, ReturnRiskBody, SizePredictBody, SizePredictResponse

router = ApiRouter(tags=("advice",))


@router.post("/api/size/predict", summary="Recommended size", body=SizePredictBody,
             response=SizePredictResponse, errors=(401, 404, 422, 429))
async def size_predict(call: ApiCall) -> SizePredictResponse:
    """The size most likely to fit, from the shopper's measurements, history and the size chart."""
    return SizePredictResponse(advice=await size_advice(call.pool, call.user_id, call.body.product_id))


@router.post("/api/returns/risk", summary="Return risk of a product in a size", body=ReturnRiskBody,
             response=ReturnRisk, errors=(401, 404, 422, 429))
async def returns_risk(call: ApiCall) -> ReturnRisk:
    body: ReturnRiskBody = call.body
    return await return_risk(call.pool, call.user_id, body.product_id, body.size)


@router.post("/api/reviews/fit", summary="Say how something you bought fits", body=FitReviewBody,
             response=FitReview, status=201, errors=(401, 404, 422, 429))
async def fit_review(call: ApiCall) -> FitReview:
    """For a product in one of your paid orders, in the size bought; asking again replaces the answer.
    Size advice for you and for shoppers of your build learns from it."""
    body: FitReviewBody = call.body
    return await review_fit(call.pool, call.user_id, body.product_id, body.fit)
