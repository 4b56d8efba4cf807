"""The X calls that change a published tree's targeting and copy (XAdsAdapter.update).

Each reaches the wanted state from what X holds, so running one again after a lost answer does
nothing twice: criteria are compared by (type, value, operator), and a replacement post is found
by its name, which carries a digest of its copy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twitter_ads.campaign import TargetingCriteria, Tweet
from twitter_ads.creative import PromotedTweet, Tweets

from adflux.platforms.base import Creative, OnCreated, named
from adflux.platforms.x_posts import NAME_LIMIT, copy_digest, post_text, shows_copy


def retarget(account: Any, line_item_id: str, wanted: list[Any]) -> str:
    """Make the line item's criteria `wanted` (unsaved TargetingCriteria, as publish builds
    them): X has no criterion update, so the missing ones are created and the others deleted
    in one batch (POST batch/accounts/:id/targeting_criteria, all or nothing). Returns the
    criteria ids afterwards, comma-separated."""
    by_key = {(c.targeting_type, c.targeting_value, c.operator_type): c for c in wanted}
    held = {
        (c.targeting_type, c.targeting_value, c.operator_type or "EQ"): c
        for c in TargetingCriteria.all(account, line_item_ids=[line_item_id])
    }
    creates = [c for key, c in by_key.items() if key not in held]
    deletes = [c for key, c in held.items() if key not in by_key]
    for criterion in deletes:
        criterion.to_delete = True
    if creates or deletes:
        TargetingCriteria.batch_save(account, creates + deletes)
    kept = [c.id for key, c in held.items() if key in by_key]
    return ",".join(kept + [c.id for c in creates])


def recopy(
    account: Any,
    ids: dict[str, str],
    creative: Creative,
    key: str,
    created: OnCreated,
    *,
    user_id: str | None,
    make_card: Callable[[str], str],
) -> None:
    """Put a post with `creative` on the tree's line item in place of the one it promotes.

    X posts cannot be edited: a new promoted-only post is promoted and the old promoted post
    deleted, which X shows as paused ("Disassociate a Tweet from the specified line item",
    DELETE accounts/:id/promoted_tweets/:id). `make_card(label)` gives the card_uri of the
    post's website card when the copy has an image; `created(kind, id)` hears of each object
    made, and updates `ids`.
    """
    label = f"copy {copy_digest(creative)}"
    name = named(key, "tweet", label)[:NAME_LIMIT]
    promoted = list(PromotedTweet.all(account, line_item_ids=[ids["line_item"]]))
    posts = {
        str(p["id_str"]): p
        for p in Tweets.all(account, tweet_type="PUBLISHED", timeline_type="NULLCAST")
    }
    if len(promoted) == 1 and shows_copy(posts.get(str(promoted[0].tweet_id), {}), creative, name):
        return
    post = next((p for p in posts.values() if p.get("name") == name), None)
    if post is None:
        card = {"card_uri": make_card(label)} if creative.image_png else {}
        post = Tweet.create(
            account, text=post_text(creative), as_user_id=user_id, nullcast=True, name=name, **card
        )
        created("tweet", str(post["id_str"]))
    ids["tweet"] = str(post["id_str"])
    mine = [p for p in promoted if str(p.tweet_id) == ids["tweet"]]
    if mine:
        ids["promoted_tweet"] = mine[0].id
    else:
        attached = PromotedTweet.attach(
            account, line_item_id=ids["line_item"], tweet_ids=[ids["tweet"]]
        )
        created("promoted_tweet", attached.first.id)
    for old in promoted:
        if old.id != ids["promoted_tweet"]:
            old.delete()
