"""A readable label for every code a person may see: statuses, platforms, vocabularies.

Codes stay in the data and the API's JSON; people read these. Each label is a catalog message
whose context is its kind, so one English word can take the Spanish each kind needs.
"""

from __future__ import annotations

from adflux.i18n.catalogs import NC_, translations

LABELS: dict[str, dict[str, str]] = {
    "platform": {
        "meta": NC_("platform", "Meta"),
        "google": NC_("platform", "Google Ads"),
        "x": NC_("platform", "X"),
        "tiktok": NC_("platform", "TikTok"),
        "snapchat": NC_("platform", "Snapchat"),
    },
    "job_status": {
        "open": NC_("job_status", "open"),
        "paused": NC_("job_status", "paused"),
        "closed": NC_("job_status", "closed"),
    },
    "job_action": {
        "open": NC_("job_action", "Reopen"),
        "paused": NC_("job_action", "Pause job"),
        "closed": NC_("job_action", "Close job"),
    },
    "publication_status": {
        "queued": NC_("publication_status", "queued"),
        "publishing": NC_("publication_status", "publishing"),
        "published": NC_("publication_status", "published"),
        "partially_published": NC_("publication_status", "partially published"),
        "failed": NC_("publication_status", "failed"),
        "paused": NC_("publication_status", "paused"),
        "pending": NC_("publication_status", "pending"),
        "ended": NC_("publication_status", "ended"),
        "archived": NC_("publication_status", "archived"),
    },
    "run_status": {
        "pending": NC_("run_status", "pending"),
        "running": NC_("run_status", "running"),
        "succeeded": NC_("run_status", "ready"),
        "failed": NC_("run_status", "failed"),
    },
    "import_status": {
        "running": NC_("import_status", "running"),
        "done": NC_("import_status", "done"),
        "failed": NC_("import_status", "failed (nothing kept)"),
    },
    "change_state": {
        "applied": NC_("change_state", "applied"),
        "pending": NC_("change_state", "pending"),
        "refused": NC_("change_state", "refused"),
    },
    "role": {
        "viewer": NC_("role", "viewer"),
        "operator": NC_("role", "operator"),
        "admin": NC_("role", "admin"),
        "applications": NC_("role", "job site (applications only)"),
    },
    "objective": {
        "traffic": NC_("objective", "Traffic to the job"),
        "leads": NC_("objective", "Applications"),
        "awareness": NC_("objective", "Awareness"),
    },
    "pacing": {
        "even": NC_("pacing", "even: the total over the days"),
        "fast": NC_("pacing", "fast: as the market allows"),
    },
    "allocation_trigger": {
        "daily": NC_("allocation_trigger", "daily"),
        "on_demand": NC_("allocation_trigger", "on demand"),
    },
    "consent_filter": {
        "any": NC_("consent_filter", "With or without consent"),
        "yes": NC_("consent_filter", "Yes"),
        "no": NC_("consent_filter", "No"),
    },
    "arm": {
        "job-audience": NC_("arm", "The job's own audience"),
        "campaign": NC_("arm", "Places and keywords"),
    },
    "ad_field": {
        "headline": NC_("ad_field", "Headline"),
        "description": NC_("ad_field", "Description"),
        "primary_text": NC_("ad_field", "Primary text"),
    },
    # The trades of jobs/areas.py; their Spanish is the label rows store.
    "area": {
        "tecnologia": NC_("area", "Technology and software development"),
        "datos": NC_("area", "Data and analytics"),
        "logistica": NC_("area", "Logistics and transport"),
        "administracion": NC_("area", "Administration and office"),
        "recursos_humanos": NC_("area", "Human resources"),
        "salud": NC_("area", "Health"),
        "ventas": NC_("area", "Sales"),
        "atencion_cliente": NC_("area", "Customer service and call centre"),
        "contabilidad": NC_("area", "Accounting and finance"),
        "educacion": NC_("area", "Education"),
        "mantenimiento": NC_("area", "Maintenance and technicians"),
        "construccion": NC_("area", "Construction and civil engineering"),
        "manufactura": NC_("area", "Production and manufacturing"),
        "marketing": NC_("area", "Marketing and advertising"),
        "diseno": NC_("area", "Design and creative"),
        "legal": NC_("area", "Legal"),
        "hoteleria": NC_("area", "Hospitality, tourism and food"),
        "seguridad": NC_("area", "Security"),
        "agro": NC_("area", "Agribusiness"),
        "servicios_generales": NC_("area", "General services and cleaning"),
    },
    # The objects each platform created for a campaign, by the names its API gives them.
    "platform_object": {
        "budget": NC_("platform_object", "budget"),
        "campaign": NC_("platform_object", "campaign"),
        "criteria": NC_("platform_object", "criteria"),
        "ad_group": NC_("platform_object", "ad group"),
        "keywords": NC_("platform_object", "keywords"),
        "audiences": NC_("platform_object", "audiences"),
        "ad": NC_("platform_object", "ad"),
        "image": NC_("platform_object", "image"),
        "ad_set": NC_("platform_object", "ad set"),
        "creative": NC_("platform_object", "creative"),
        "ad_squad": NC_("platform_object", "ad squad"),
        "media": NC_("platform_object", "media"),
        "line_item": NC_("platform_object", "line item"),
        "targeting": NC_("platform_object", "targeting"),
        "card": NC_("platform_object", "card"),
        "tweet": NC_("platform_object", "post"),
        "promoted_tweet": NC_("platform_object", "promoted post"),
        "audience": NC_("platform_object", "audience"),
    },
    "seniority": {
        "junior": NC_("seniority", "junior"),
        "semi_senior": NC_("seniority", "semi-senior"),
        "senior": NC_("seniority", "senior"),
        "lead": NC_("seniority", "lead"),
    },
    "employment_type": {
        "tiempo_completo": NC_("employment_type", "full time"),
        "medio_tiempo": NC_("employment_type", "part time"),
        "prestacion_servicios": NC_("employment_type", "service contract"),
        "practicas": NC_("employment_type", "internship"),
    },
    "work_mode": {
        "presencial": NC_("work_mode", "on site"),
        "hibrido": NC_("work_mode", "hybrid"),
        "remoto": NC_("work_mode", "remote"),
    },
    "education": {
        "bachiller": NC_("education", "high school"),
        "tecnico": NC_("education", "technical"),
        "tecnologo": NC_("education", "technologist"),
        "profesional": NC_("education", "university degree"),
        "especializacion": NC_("education", "specialisation"),
        "maestria": NC_("education", "master's degree"),
        "doctorado": NC_("education", "doctorate"),
    },
}


def label(kind: str, code: str | None, language: str) -> str:
    """The label of `code` in `language`; a code without one shows itself (a test checks that
    every code of every vocabulary has one)."""
    if code is None:
        return "—"
    message = LABELS[kind].get(code)
    if message is None:
        return code
    return str(translations(language).pgettext(kind, message))
