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
    # The fields of the API's requests, as a person names them (the JSON keeps the keys).
    "field": {
        "Idempotency-Key": NC_("field", "Idempotency key"),
        "acknowledge_warnings": NC_("field", "Acknowledged warnings"),
        "action": NC_("field", "Action"),
        "active": NC_("field", "Active"),
        "ad_copy": NC_("field", "Ad copy"),
        "age": NC_("field", "Age"),
        "application_id": NC_("field", "Application"),
        "applied_at": NC_("field", "Application time"),
        "area": NC_("field", "Area"),
        "arm_key": NC_("field", "Arm"),
        "auto_allocate": NC_("field", "Automatic budget split"),
        "by": NC_("field", "Group by"),
        "campaign_id": NC_("field", "Campaign"),
        "candidate_id": NC_("field", "Candidate"),
        "candidate_ref": NC_("field", "Candidate reference"),
        "city": NC_("field", "City"),
        "company": NC_("field", "Company"),
        "consenting": NC_("field", "Consent"),
        "daily_budget_cop": NC_("field", "Daily budget"),
        "daily_cap": NC_("field", "Daily limit"),
        "department": NC_("field", "Department"),
        "description": NC_("field", "Description"),
        "desired_salary_cop": NC_("field", "Desired salary"),
        "education_level": NC_("field", "Education"),
        "email": NC_("field", "E-mail"),
        "employment_type": NC_("field", "Employment type"),
        "enabled": NC_("field", "Enabled"),
        "end_date": NC_("field", "End date"),
        "external_ref": NC_("field", "External reference"),
        "feed": NC_("field", "Feed"),
        "file": NC_("field", "File"),
        "filename": NC_("field", "File name"),
        "force_close": NC_("field", "Close missing jobs"),
        "full_name": NC_("field", "Full name"),
        "headline": NC_("field", "Headline"),
        "import_id": NC_("field", "Import"),
        "include_archived": NC_("field", "Include archived"),
        "job_audience_size": NC_("field", "Job audience size"),
        "job_id": NC_("field", "Job"),
        "job_ref": NC_("field", "Job reference"),
        "k": NC_("field", "Number of segments"),
        "k_max": NC_("field", "Most segments"),
        "k_min": NC_("field", "Fewest segments"),
        "kind": NC_("field", "Kind"),
        "languages": NC_("field", "Languages"),
        "last_active_at": NC_("field", "Last active"),
        "limit": NC_("field", "Page size"),
        "marketing_consent": NC_("field", "Marketing consent"),
        "max_applications": NC_("field", "Most applications"),
        "max_cpa_cop": NC_("field", "Highest cost per application"),
        "min_spend_cop": NC_("field", "Minimum spend"),
        "name": NC_("field", "Name"),
        "objective": NC_("field", "Objective"),
        "offset": NC_("field", "Offset"),
        "pacing": NC_("field", "Pacing"),
        "period": NC_("field", "Period"),
        "personal_data": NC_("field", "Personal data"),
        "phone": NC_("field", "Phone"),
        "platform": NC_("field", "Platform"),
        "platforms": NC_("field", "Platforms"),
        "primary_text": NC_("field", "Primary text"),
        "purpose": NC_("field", "Purpose"),
        "q": NC_("field", "Search"),
        "remote_mode": NC_("field", "Work mode"),
        "remote_preference": NC_("field", "Preferred work mode"),
        "reveal": NC_("field", "Show personal data"),
        "role": NC_("field", "Role"),
        # A row of an imported file that could not be read as a whole.
        "row": NC_("field", "Row"),
        "rule_id": NC_("field", "Rule"),
        "rules": NC_("field", "Rules"),
        "run_id": NC_("field", "Segmentation run"),
        "salary_max_cop": NC_("field", "Highest salary"),
        "salary_min_cop": NC_("field", "Lowest salary"),
        "scope": NC_("field", "Scope"),
        "segment_id": NC_("field", "Segment"),
        "segment_ids": NC_("field", "Segments"),
        "seniority": NC_("field", "Seniority"),
        "since": NC_("field", "From"),
        "skills": NC_("field", "Skills"),
        "start_date": NC_("field", "Start date"),
        "status": NC_("field", "Status"),
        "template_id": NC_("field", "Template"),
        "title": NC_("field", "Title"),
        "total_budget_cop": NC_("field", "Total budget"),
        "until": NC_("field", "Until"),
        "url": NC_("field", "URL"),
        "years_experience": NC_("field", "Years of experience"),
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


def field_label(name: str, language: str) -> str:
    """A request's field as a person names it: "Presupuesto diario" for daily_budget_cop; an item
    of a list or an object inside one is its field's label with the rest of its key ("Habilidades
    (1)"); a field without a label (an unknown one the request sent) shows its key."""
    head, _, rest = name.partition(".")
    shown = label("field", head, language)
    return f"{shown} ({rest})" if rest else shown
