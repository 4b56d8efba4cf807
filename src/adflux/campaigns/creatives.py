"""Spanish ad texts for a job opening, fitted to each platform's text limits.

Limits (research/platforms.md §6):
- Google responsive search ad: 3-15 headlines of at most 30 characters, 2-4 descriptions of at
  most 90; display-URL paths at most 15. Google counts full-width (CJK) characters twice.
- X: one post of at most 280 *weighted* characters (twitter-text v3: code points up to U+10FF and
  a few punctuation ranges weigh 1, everything else 2, every URL 23).
- TikTok: `ad_text` 1-100 characters without emoji (CJK counts 2); `display_name` 1-40.
- Snapchat (Creatives reference): `headline` at most 34 characters, `brand_name` at most 32; the
  Top Snap image carries the rest (title, place, salary), the swipe up opens the apply URL.
- Meta publishes recommendations, not hard limits: headline 40, primary text 125 (shown before
  "See more"), description 30. We keep to them so nothing is hidden behind "See more".

Texts are shortened by dropping whole words (and adding "…") or by choosing a shorter sentence,
never by cutting a word. Salaries use one convention everywhere: the Colombian peso sign, a space
and dots between thousands, no decimals ("$ 2.500.000"); a missing salary reads
"Salario a convenir". Everything here is deterministic: the same job gives the same texts.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from adflux.campaigns.images import PLATFORM_IMAGE_SIZE, AdImageText, render_ad_image
from adflux.campaigns.text_fit import (
    URL,
    Measure,
    clean_text,
    display_width,
    first_fitting,
    fit_title,
    fit_words,
    has_emoji,
    join_fitting,
    sentence_case_if_shouting,
    x_weighted_length,
)
from adflux.platforms.base import Creative

NEGOTIABLE = "Salario a convenir"
BRAND = "Magneto Empleos"

GOOGLE_HEADLINE_MAX = 30
GOOGLE_HEADLINES_MIN, GOOGLE_HEADLINES_MAX = 3, 15
GOOGLE_DESCRIPTION_MAX = 90
GOOGLE_DESCRIPTIONS_MIN, GOOGLE_DESCRIPTIONS_MAX = 2, 4
GOOGLE_PATH_MAX = 15
X_TEXT_MAX = 280
X_NAME_MAX = 80  # card and post `name` (platforms.md §6)
X_CARD_TITLE_MAX = 70  # a website card's DETAILS `title` (X Ads cards reference)
TIKTOK_AD_TEXT_MAX = 100
TIKTOK_DISPLAY_NAME_MAX = 40
META_HEADLINE_MAX = 40
META_PRIMARY_TEXT_MAX = 125
META_DESCRIPTION_MAX = 30
SNAPCHAT_HEADLINE_MAX = 34
SNAPCHAT_BRAND_NAME_MAX = 32

_SENIORITY = {"junior": "junior", "semi_senior": "semi senior", "senior": "senior", "lead": "líder"}
_EMPLOYMENT = {
    "tiempo_completo": "Tiempo completo",
    "medio_tiempo": "Medio tiempo",
    "prestacion_servicios": "Prestación de servicios",
    "practicas": "Prácticas",
}
_REMOTE = {"presencial": "presencial", "hibrido": "híbrido", "remoto": "remoto"}


# --------------------------------------------------------------------------- the job


@dataclass(frozen=True)
class JobAd:
    """The facts of a job opening an ad may show (built by the campaigns service from the row)."""

    title: str
    company: str
    city: str
    department: str
    area: str
    seniority: str
    employment_type: str
    remote_mode: str
    salary_min_cop: int | None
    salary_max_cop: int | None
    skills: tuple[str, ...] = field(default_factory=tuple)
    apply_url: str = ""

    def __post_init__(self) -> None:
        # Rows carry skills as a JSON list; freeze them so the dataclass stays hashable.
        object.__setattr__(self, "skills", tuple(self.skills))

    @classmethod
    def from_opening(cls, opening: Any, *, apply_url: str) -> JobAd:
        """Copy the ad-relevant attributes of a JobOpening-like object."""
        return cls(
            title=opening.title,
            company=opening.company,
            city=opening.city,
            department=opening.department,
            area=opening.area,
            seniority=opening.seniority,
            employment_type=opening.employment_type,
            remote_mode=opening.remote_mode,
            salary_min_cop=opening.salary_min_cop,
            salary_max_cop=opening.salary_max_cop,
            skills=tuple(opening.skills or ()),
            apply_url=apply_url,
        )


@dataclass(frozen=True)
class _Slot:
    """A sentence around one shrinkable value: prefix + value + suffix."""

    prefix: str
    value: str
    suffix: str = ""

    def fit(self, limit: int, measure: Measure) -> str | None:
        budget = limit - measure(self.prefix + self.suffix)
        if budget <= 0:
            return None
        value = fit_title(self.value, budget, measure)
        return self.prefix + value + self.suffix if value else None


def _compose(
    intros: Sequence[_Slot],
    limit: int,
    measure: Measure,
    *,
    must: Sequence[str] = (),
    extras: Sequence[str] = (),
) -> str:
    """intro (shrunk as needed) + every `must` sentence + the `extras` that still fit, in order."""
    fixed = " ".join(must)
    for keep in (True, False):
        reserved = measure(" " + fixed) if keep and fixed else 0
        for intro in intros:
            head = intro.fit(limit - reserved, measure)
            if head is None:
                continue
            text = f"{head} {fixed}" if keep and fixed else head
            for extra in extras:
                if measure(f"{text} {extra}") <= limit:
                    text = f"{text} {extra}"
            return text
    raise ValueError("no text fits the limit")  # only if the limit is absurdly small


# --------------------------------------------------------------------------- job phrases


def format_cop(amount: int) -> str:
    """A peso amount the Colombian way: "$ 2.500.000"."""
    return "$ " + f"{int(amount):,}".replace(",", ".")


def salary_text(salary_min_cop: int | None, salary_max_cop: int | None) -> str:
    """The salary range as ads show it: "$ 2.500.000 a $ 3.500.000", "Desde $ …", "Hasta $ …",
    or "Salario a convenir"."""
    low = salary_min_cop if salary_min_cop and salary_min_cop > 0 else None
    high = salary_max_cop if salary_max_cop and salary_max_cop > 0 else None
    if low and high:
        return format_cop(low) if low == high else f"{format_cop(low)} a {format_cop(high)}"
    if low:
        return f"Desde {format_cop(low)}"
    if high:
        return f"Hasta {format_cop(high)}"
    return NEGOTIABLE


@dataclass(frozen=True)
class _Phrases:
    """The cleaned pieces every platform's texts are assembled from."""

    title: str
    company: str
    city: str
    area: str
    seniority: str
    contract: str
    modality: str
    where: str
    salary: str
    salary_labelled: str
    skills: tuple[str, ...]

    @classmethod
    def of(cls, job: JobAd) -> _Phrases:
        city = clean_text(job.city)
        remote = job.remote_mode == "remoto"
        salary = salary_text(job.salary_min_cop, job.salary_max_cop)
        # "Salario: desde $ 2.500.000." / "Salario a convenir."
        labelled = salary if salary == NEGOTIABLE else f"Salario {salary[:1].lower()}{salary[1:]}"
        return cls(
            title=sentence_case_if_shouting(clean_text(job.title)),
            company=clean_text(job.company),
            city=city,
            area=clean_text(job.area),
            seniority=_SENIORITY.get(job.seniority, job.seniority.replace("_", " ")),
            contract=_EMPLOYMENT.get(job.employment_type, job.employment_type.replace("_", " ")),
            modality=_REMOTE.get(job.remote_mode, job.remote_mode),
            where="en modalidad remota" if remote else f"en {city or 'Colombia'}",
            salary=salary,
            salary_labelled=labelled,
            skills=tuple(s for s in (clean_text(s) for s in job.skills) if s),
        )

    def intros(self) -> list[_Slot]:
        slots = []
        if self.company:
            slots.append(_Slot(f"{self.company} busca ", self.title, f" {self.where}."))
        slots += [_Slot("Buscamos ", self.title, f" {self.where}."), _Slot("", self.title, ".")]
        return slots


# --------------------------------------------------------------------------- per platform


def _unique(texts: Iterable[str | None], limit: int) -> tuple[str, ...]:
    seen: set[str] = set()
    out: list[str] = []
    for text in texts:
        if text and text.casefold() not in seen and len(out) < limit:
            seen.add(text.casefold())
            out.append(text)
    return tuple(out)


def _google(job: JobAd, p: _Phrases, link_url: str) -> Creative:
    w, h, d = display_width, GOOGLE_HEADLINE_MAX, GOOGLE_DESCRIPTION_MAX
    modality = p.modality.capitalize()
    remote = job.remote_mode == "remoto"
    place = (
        ["Empleo 100% remoto", "Empleo remoto"]
        if remote
        else [
            f"Empleo {p.modality} {p.where}",
            f"Empleo {p.where}",
        ]
    )
    more = "Vacantes remotas en Colombia" if remote else f"Nuevas vacantes {p.where}"
    headlines = [
        fit_title(p.title, h, w),
        first_fitting([f"{p.title} {p.where}"], h, w),
        first_fitting([p.salary_labelled, p.salary], h, w),
        first_fitting(place, h, w),
        first_fitting([f"Trabaja en {p.company}", p.company], h, w) if p.company else None,
        first_fitting([f"{p.contract}, {p.modality}", p.contract, modality], h, w),
        f"Nivel {p.seniority}",
        fit_words(f"Área de {p.area}", h, w) if p.area else None,
        join_fitting(p.skills, h, w),
        "Postúlate hoy en Magneto",
        "Aplica en minutos",
        fit_words(more, h, w),
        "Empleos en Magneto",
    ]
    descriptions = [
        _compose(p.intros(), d, w),
        _compose(
            [_Slot("", f"{p.salary_labelled}.")], d, w, extras=[f"{p.contract}, {p.modality}."]
        ),
        join_fitting(p.skills, d, w, prefix="Perfil: ", suffix=".")
        or f"Nivel {p.seniority}. Aplica en minutos desde tu celular.",
        first_fitting(
            [
                f"Área de {p.area}, nivel {p.seniority}. Postúlate hoy en {BRAND}.",
                f"Nivel {p.seniority}. Postúlate hoy en {BRAND}.",
            ],
            d,
            w,
        ),
    ]
    return Creative(
        headlines=_unique(headlines, GOOGLE_HEADLINES_MAX),
        descriptions=_unique(descriptions, GOOGLE_DESCRIPTIONS_MAX),
        primary_text=descriptions[0] or "",
        link_url=link_url,
    )


def _meta(job: JobAd, p: _Phrases, link_url: str) -> Creative:
    headline = first_fitting([f"{p.title} {p.where}"], META_HEADLINE_MAX) or fit_title(
        p.title, META_HEADLINE_MAX
    )
    description = first_fitting(
        [p.salary, f"{p.contract}, {p.modality}", p.contract], META_DESCRIPTION_MAX
    )
    primary = _compose(
        p.intros(),
        META_PRIMARY_TEXT_MAX,
        len,
        must=[f"{p.salary_labelled}."],
        extras=[f"{p.contract}, {p.modality}.", "¡Postúlate ya!"],
    )
    return Creative(
        headlines=(headline or BRAND,),
        descriptions=(description,) if description else (),
        primary_text=primary,
        link_url=link_url,
    )


def _x(job: JobAd, p: _Phrases, link_url: str) -> Creative:
    # The post carries the link itself (no card needed); X counts it as 23 whatever its length.
    tail = f" Postúlate: {link_url}"
    skills = join_fitting(p.skills, 120, x_weighted_length, prefix="Perfil: ", suffix=".")
    body = _compose(
        p.intros(),
        X_TEXT_MAX - x_weighted_length(tail),
        x_weighted_length,
        must=[f"{p.salary_labelled}."],
        extras=[f"{p.contract}, {p.modality}.", *([skills] if skills else []), "#Empleo"],
    )
    name = fit_title(f"{p.title} {p.where}", X_NAME_MAX, x_weighted_length)
    # The website card under the post shows the ad image over this title and the link.
    card_title = first_fitting([f"{p.title} {p.where}"], X_CARD_TITLE_MAX) or fit_title(
        p.title, X_CARD_TITLE_MAX
    )
    return Creative(
        headlines=(name or BRAND, card_title or BRAND),
        descriptions=(),
        primary_text=body + tail,
        link_url=link_url,
    )


def _tiktok(job: JobAd, p: _Phrases, link_url: str) -> Creative:
    text = _compose(
        [_Slot("", p.title, f" {p.where}."), _Slot("", p.title, ".")],
        TIKTOK_AD_TEXT_MAX,
        display_width,
        must=[f"{p.salary_labelled}."],
        extras=["Postúlate ya."],
    )
    return Creative(
        headlines=(),
        descriptions=(),
        primary_text=text,
        link_url=link_url,
        display_name=fit_words(BRAND, TIKTOK_DISPLAY_NAME_MAX, display_width) or "Magneto",
    )


def _snapchat(job: JobAd, p: _Phrases, link_url: str) -> Creative:
    # The headline under the brand name: the title and the place when they fit, else the title.
    headline = first_fitting([f"{p.title} {p.where}"], SNAPCHAT_HEADLINE_MAX) or fit_title(
        p.title, SNAPCHAT_HEADLINE_MAX
    )
    headline = headline or BRAND
    return Creative(
        headlines=(headline,),
        descriptions=(),
        primary_text=headline,  # the ad shows no other text than its headline and image
        link_url=link_url,
        display_name=fit_words(BRAND, SNAPCHAT_BRAND_NAME_MAX) or "Magneto",
    )


_BUILDERS: dict[str, Callable[[JobAd, _Phrases, str], Creative]] = {
    "google": _google,
    "meta": _meta,
    "x": _x,
    "tiktok": _tiktok,
    "snapchat": _snapchat,
}


def build_creative(job: JobAd, platform: str, *, link_url: str | None = None) -> Creative:
    """The job's ad for `platform` ("meta"|"google"|"x"|"tiktok"|"snapchat"): texts within its
    limits and, where its ads show one, the ad image in the size it asks for (campaigns/images.py).

    `link_url` (e.g. the apply URL with tracking parameters) defaults to `job.apply_url`.
    For X, `primary_text` is the whole post, link included.
    """
    creative = ad_texts(job, platform, link_url=link_url)
    size = PLATFORM_IMAGE_SIZE.get(platform)
    if size is None:
        return creative
    return dataclasses.replace(creative, image_png=render_ad_image(image_text(job), size))


def ad_texts(job: JobAd, platform: str, *, link_url: str | None = None) -> Creative:
    """The texts of `build_creative` alone (no image is drawn)."""
    if platform not in _BUILDERS:
        raise ValueError(f"unknown platform {platform!r}; expected one of {sorted(_BUILDERS)}")
    url = (link_url or job.apply_url).strip()
    if not URL.fullmatch(url):
        raise ValueError(f"the ad link must be an absolute http(s) URL, got {url!r}")
    return _BUILDERS[platform](job, _Phrases.of(job), url)


def with_ad_copy(creative: Creative, platform: str, ad_copy: Mapping[str, str] | None) -> Creative:
    """`creative` with the recruiter's own texts ({headline, description, primary_text}, each
    optional) in place of AdFlux's, cleaned and fitted to the platform's limits as AdFlux's own
    are. A text the platform's ad has no place for is left out (Google shows no primary text; X
    and TikTok no description; TikTok no headline; Snapchat its headline only)."""
    copy = {k: clean_text(v) for k, v in (ad_copy or {}).items() if v and clean_text(v)}
    if not copy:
        return creative
    headline, description, primary = (
        copy.get("headline"),
        copy.get("description"),
        copy.get("primary_text"),
    )
    headlines, descriptions, primary_text = (
        creative.headlines,
        creative.descriptions,
        creative.primary_text,
    )
    if platform == "google":
        w = display_width
        if headline:
            fitted = fit_words(headline, GOOGLE_HEADLINE_MAX, w)
            headlines = _unique([fitted, *headlines], GOOGLE_HEADLINES_MAX)
        if description:
            fitted = fit_words(description, GOOGLE_DESCRIPTION_MAX, w)
            descriptions = _unique([fitted, *descriptions], GOOGLE_DESCRIPTIONS_MAX)
            primary_text = descriptions[0]
    elif platform == "meta":
        if headline:
            headlines = (fit_words(headline, META_HEADLINE_MAX) or headlines[0],)
        if description:
            descriptions = (fit_words(description, META_DESCRIPTION_MAX) or BRAND,)
        if primary:
            primary_text = fit_words(primary, META_PRIMARY_TEXT_MAX) or primary_text
    elif platform == "x":
        if headline:
            name = fit_words(headline, X_NAME_MAX, x_weighted_length)
            title = fit_words(headline, X_CARD_TITLE_MAX)
            headlines = (name or headlines[0], title or headlines[-1])
        if primary:
            # The post keeps its link, which X counts as 23 characters whatever its length.
            tail = f" Postúlate: {creative.link_url}"
            body = fit_words(primary, X_TEXT_MAX - x_weighted_length(tail), x_weighted_length)
            primary_text = f"{body}{tail}" if body else primary_text
    elif platform == "tiktok" and primary:
        text = fit_words(primary, TIKTOK_AD_TEXT_MAX, display_width)
        primary_text = text if text and not has_emoji(text) else primary_text
    elif platform == "snapchat" and headline:
        fitted = fit_words(headline, SNAPCHAT_HEADLINE_MAX)
        if fitted:
            headlines, primary_text = (fitted,), fitted
    return dataclasses.replace(
        creative, headlines=headlines, descriptions=descriptions, primary_text=primary_text
    )


def image_text(job: JobAd) -> AdImageText:
    """What the job's ad image says: title, place, salary, brand and company."""
    p = _Phrases.of(job)
    department = clean_text(job.department)
    if job.remote_mode == "remoto":
        place = "Remoto · Colombia"
    elif p.city and department and department.casefold() != p.city.casefold():
        place = f"{p.city}, {department}"
    else:
        place = p.city or "Colombia"
    if job.remote_mode == "hibrido":
        place = f"{place} · híbrido"
    return AdImageText(
        title=p.title or BRAND,
        place=place,
        salary=p.salary.replace("$ ", "$\u00a0"),  # an amount never wraps away from its sign
        brand=BRAND,
        company=p.company,
    )


def google_paths(job: JobAd) -> tuple[str, str]:
    """Display-URL paths for a Google RSA ("empleos", city slug), each at most 15 characters."""
    plain = unicodedata.normalize("NFKD", clean_text(job.city))
    ascii_city = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    words = re.findall(r"[a-z0-9]+", ascii_city)
    slug = ""
    for word in words:
        if len(f"{slug}-{word}" if slug else word) > GOOGLE_PATH_MAX:
            break
        slug = f"{slug}-{word}" if slug else word
    if job.remote_mode == "remoto" or not slug:
        slug = "remoto" if job.remote_mode == "remoto" else "colombia"
    return "empleos", slug


def limit_problems(platform: str, creative: Creative) -> list[str]:
    """Every hard limit (and, for Meta, recommended length) the creative breaks; [] if none."""
    problems: list[str] = []

    def over(label: str, text: str, limit: int, measure: Measure = len) -> None:
        if measure(text) > limit:
            problems.append(f"{label} is {measure(text)} > {limit}: {text!r}")

    def count(label: str, items: Sequence[str], low: int, high: int) -> None:
        if not low <= len(items) <= high:
            problems.append(f"{len(items)} {label}, expected {low}-{high}")

    if platform == "google":
        count("headlines", creative.headlines, GOOGLE_HEADLINES_MIN, GOOGLE_HEADLINES_MAX)
        count(
            "descriptions", creative.descriptions, GOOGLE_DESCRIPTIONS_MIN, GOOGLE_DESCRIPTIONS_MAX
        )
        for text in creative.headlines:
            over("headline", text, GOOGLE_HEADLINE_MAX, display_width)
        for text in creative.descriptions:
            over("description", text, GOOGLE_DESCRIPTION_MAX, display_width)
    elif platform == "meta":
        for text in creative.headlines:
            over("headline", text, META_HEADLINE_MAX)
        for text in creative.descriptions:
            over("description", text, META_DESCRIPTION_MAX)
        over("primary text", creative.primary_text, META_PRIMARY_TEXT_MAX)
    elif platform == "x":
        over("post", creative.primary_text, X_TEXT_MAX, x_weighted_length)
        for text in creative.headlines[:1]:
            over("name", text, X_NAME_MAX, x_weighted_length)
        for text in creative.headlines[1:2]:
            over("card title", text, X_CARD_TITLE_MAX)
    elif platform == "tiktok":
        if not creative.primary_text:
            problems.append("ad_text is empty")
        over("ad_text", creative.primary_text, TIKTOK_AD_TEXT_MAX, display_width)
        over("display_name", creative.display_name, TIKTOK_DISPLAY_NAME_MAX, display_width)
        if has_emoji(creative.primary_text) or has_emoji(creative.display_name):
            problems.append("TikTok texts must not contain emoji")
    elif platform == "snapchat":
        for text in creative.headlines:
            over("headline", text, SNAPCHAT_HEADLINE_MAX)
        if not creative.headlines:
            problems.append("headline is missing")
        over("brand_name", creative.display_name, SNAPCHAT_BRAND_NAME_MAX)
    else:
        raise ValueError(f"unknown platform {platform!r}")
    texts = [*creative.headlines, *creative.descriptions, creative.primary_text]
    if platform != "tiktok" and any(has_emoji(t) for t in texts):
        problems.append("texts contain emoji")
    return problems
