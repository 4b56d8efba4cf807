"""Google Ads: campaigns over gRPC with `google-ads`, audiences through the Data Manager API."""

from adflux.platforms.google_ads.adapter import GoogleAdsAdapter

__all__ = ["GoogleAdsAdapter"]
