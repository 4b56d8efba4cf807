"""The dashboard's own texts in Spanish and English, chosen by the browser's Accept-Language.

A dictionary is enough for a few hundred short strings and needs no compile step; domain messages
that services produce (validation errors, platform errors) are shown as they come.
"""

from __future__ import annotations

from flask import g, request

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"  # Magneto's users are in Colombia

# key -> (Spanish, English). Placeholders use str.format names.
MESSAGES: dict[str, tuple[str, str]] = {
    # chrome
    "app.tagline": ("Publicidad de empleo automatizada", "Automated job advertising"),
    "nav.overview": ("Resumen", "Overview"),
    "nav.jobs": ("Vacantes", "Jobs"),
    "nav.segments": ("Segmentos", "Segments"),
    "nav.campaigns": ("Campañas", "Campaigns"),
    "nav.candidates": ("Candidatos", "Candidates"),
    "nav.menu": ("Menú", "Menu"),
    "nav.main": ("Navegación principal", "Main navigation"),
    "nav.skip": ("Saltar al contenido", "Skip to content"),
    "auth.signed_in_as": ("{name} · {role}", "{name} · {role}"),
    "auth.sign_out": ("Cerrar sesión", "Sign out"),
    "auth.sign_in": ("Iniciar sesión", "Sign in"),
    "auth.title": ("Ingresar a AdFlux", "Sign in to AdFlux"),
    "auth.token": ("Token de API", "API token"),
    "auth.token_help": (
        "Pegue un token creado con «adflux token create». Solo se guarda en la sesión el "
        "número del token y su rol, nunca el token.",
        "Paste a token created with “adflux token create”. The session keeps only the token's "
        "number and role, never the token itself.",
    ),
    "auth.bad_token": ("Token inválido o revocado.", "Invalid or revoked token."),
    "auth.required": ("Inicie sesión para continuar.", "Sign in to continue."),
    "auth.expired": (
        "Su sesión expiró; inicie sesión de nuevo.",
        "Your session expired; sign in again.",
    ),
    "auth.signed_out": ("Sesión cerrada.", "Signed out."),
    "auth.welcome": ("Hola, {name}.", "Welcome, {name}."),
    "role.viewer": ("lector", "viewer"),
    "role.operator": ("operador", "operator"),
    "role.admin": ("administrador", "admin"),
    "role.read_only": (
        "Acceso de solo lectura: su rol no permite hacer cambios.",
        "Read-only access: your role cannot make changes.",
    ),
    # errors
    "error.400": ("Solicitud no válida", "Bad request"),
    "error.403": ("No permitido", "Not allowed"),
    "error.404": ("No encontrado", "Not found"),
    "error.405": ("Método no permitido", "Method not allowed"),
    "error.409": ("Conflicto", "Conflict"),
    "error.422": ("Datos no válidos", "Invalid data"),
    "error.500": ("Error inesperado", "Unexpected error"),
    "error.personal_data": (
        "Su token ({role}) no tiene acceso a datos personales: un administrador lo concede al "
        "crear el token (adflux token create --personal-data).",
        "Your token ({role}) is not granted personal data: an admin grants it when creating the "
        "token (adflux token create --personal-data).",
    ),
    "error.csrf": (
        "El formulario expiró o no trae su código de seguridad; recargue la página e inténtelo "
        "de nuevo.",
        "The form expired or lacks its security code; reload the page and try again.",
    ),
    "error.forbidden": (
        "Su rol ({role}) no permite esta acción; se necesita {required}.",
        "Your role ({role}) cannot do this; it needs {required}.",
    ),
    "error.back": ("Volver al resumen", "Back to the overview"),
    # overview
    "overview.title": ("Resumen", "Overview"),
    "overview.open_jobs": ("Vacantes abiertas", "Open jobs"),
    "overview.candidates": ("Candidatos", "Candidates"),
    "overview.consenting": ("Con autorización de datos", "Consenting to marketing"),
    "overview.consenting_of": ("{count} de {total}", "{count} of {total}"),
    "overview.active_run": ("Segmentación activa", "Active segmentation"),
    "overview.no_run": ("Sin segmentación activa", "No active segmentation"),
    "overview.run_line": (
        "Ejecución #{id}: {k} segmentos, {count} candidatos",
        "Run #{id}: {k} segments, {count} candidates",
    ),
    "overview.campaigns_by_status": ("Campañas por estado", "Campaigns by status"),
    "overview.publications": (
        "Publicaciones por plataforma y estado",
        "Publications by platform and status",
    ),
    "overview.failures": ("Fallos recientes", "Recent failures"),
    "overview.no_failures": ("Ningún fallo reciente.", "No recent failures."),
    "overview.no_campaigns": ("Aún no hay campañas.", "No campaigns yet."),
    "overview.total": ("Total", "Total"),
    # jobs
    "candidates.title": ("Candidatos", "Candidates"),
    "candidates.count": ("{total} candidatos", "{total} candidates"),
    "candidates.none": ("Ningún candidato coincide.", "No candidate matches."),
    "candidates.consent.any": ("Con o sin consentimiento", "With or without consent"),
    "candidates.consent.yes": ("Sí", "Yes"),
    "candidates.consent.no": ("No", "No"),
    "candidates.masked_note": (
        "Nombres, correos y teléfonos aparecen ocultos: son datos personales (Ley 1581 de 2012).",
        "Names, e-mails and phones are masked: they are personal data (Colombia's Law 1581 of "
        "2012).",
    ),
    "candidates.revealed": (
        "Datos personales visibles en esta página. La consulta quedó registrada con su motivo: "
        "«{purpose}».",
        "Personal data shown on this page. The read was recorded with its purpose: “{purpose}”.",
    ),
    "candidates.reveal_title": ("Ver datos personales", "Show personal data"),
    "candidates.reveal_help": (
        "Su token tiene acceso a datos personales. Indique para qué los necesita: la consulta "
        "queda registrada (quién, qué candidatos, por qué).",
        "Your token is granted personal data. Say what you need it for: the read is recorded "
        "(who, which candidates, why).",
    ),
    "candidates.purpose": ("Motivo", "Purpose"),
    "candidates.reveal_button": ("Mostrar esta página", "Show this page"),
    "candidate.name": ("Nombre", "Name"),
    "candidate.email": ("Correo", "E-mail"),
    "candidate.phone": ("Teléfono", "Phone"),
    "candidate.city": ("Ciudad", "City"),
    "candidate.area": ("Área", "Area"),
    "candidate.consent": ("Consentimiento", "Consent"),
    "jobs.title": ("Vacantes", "Jobs"),
    "jobs.search": ("Buscar por título", "Search by title"),
    "jobs.search_button": ("Buscar", "Search"),
    "jobs.status_any": ("Cualquier estado", "Any status"),
    "jobs.none": ("Ninguna vacante coincide.", "No job matches."),
    "jobs.count": ("{total} vacantes", "{total} jobs"),
    "job.company": ("Empresa", "Company"),
    "job.city": ("Ciudad", "City"),
    "job.area": ("Área", "Area"),
    "job.seniority": ("Nivel", "Seniority"),
    "job.employment_type": ("Contrato", "Contract"),
    "job.remote_mode": ("Modalidad", "Work mode"),
    "job.salary": ("Salario (COP/mes)", "Salary (COP/month)"),
    "job.skills": ("Habilidades", "Skills"),
    "job.status": ("Estado", "Status"),
    "job.title": ("Cargo", "Title"),
    "job.created": ("Creada", "Created"),
    "job.campaigns": ("Campañas de esta vacante", "Campaigns for this job"),
    "job.no_campaigns": ("Esta vacante aún no tiene campañas.", "This job has no campaigns yet."),
    "job.closed_note": (
        "La vacante está cerrada: no se pueden crear campañas.",
        "The job is closed: campaigns cannot be created.",
    ),
    "job.paused_note": (
        "La vacante está en pausa: no se pueden crear campañas hasta reabrirla.",
        "The job is paused: campaigns cannot be created until it is reopened.",
    ),
    "job.to.open": ("Reabrir", "Reopen"),
    "job.to.paused": ("Pausar vacante", "Pause job"),
    "job.to.closed": ("Cerrar vacante", "Close job"),
    "job.now.open": (
        "Vacante reabierta; sus campañas siguen en pausa hasta que las reanude.",
        "Job reopened; its campaigns stay paused until you resume them.",
    ),
    "job.now.paused": (
        "Vacante en pausa; campañas pausadas en todas las plataformas: {paused}.",
        "Job paused; campaigns paused on every platform: {paused}.",
    ),
    "job.now.closed": (
        "Vacante cerrada; campañas pausadas en todas las plataformas: {paused}.",
        "Job closed; campaigns paused on every platform: {paused}.",
    ),
    "job.not_paused": (
        "Siguen activas en alguna plataforma: {ids}. Repita la acción para intentarlo de nuevo.",
        "Still live on some platform: {ids}. Repeat the action to try again.",
    ),
    "job.status_unknown": ("Estado de vacante desconocido.", "Unknown job status."),
    "job.status.open": ("abierta", "open"),
    "job.status.paused": ("en pausa", "paused"),
    "job.status.closed": ("cerrada", "closed"),
    "pager.prev": ("Anterior", "Previous"),
    "pager.next": ("Siguiente", "Next"),
    "pager.label": ("Paginación", "Pagination"),
    "pager.position": ("{first}–{last} de {total}", "{first}–{last} of {total}"),
    # campaign form
    "form.new_campaign": ("Nueva campaña", "New campaign"),
    "form.platforms": ("Plataformas", "Platforms"),
    "form.platform_min": ("mínimo {amount} COP/día", "minimum {amount} COP/day"),
    "form.platform_unavailable": ("no disponible: {reason}", "unavailable: {reason}"),
    "form.segments": ("Segmentos objetivo", "Target segments"),
    "form.segments_help": (
        "Vienen marcados los segmentos recomendados para esta vacante (los que mejor encajan, "
        "nunca un posible filtro de edad). Sin ninguno marcado, la campaña usa los "
        "recomendados; si ninguno encaja, la ciudad, el área y las habilidades de la vacante.",
        "The segments recommended for this job come ticked (those that fit best, never a "
        "possible age proxy). With none ticked the campaign uses the recommended ones; if none "
        "fits, the job's own city, area and skills.",
    ),
    "form.fit": ("afinidad {score}", "fit {score}"),
    # recommended audience of a job
    "audience.title": ("Audiencia recomendada", "Recommended audience"),
    "audience.help": (
        "Los segmentos de la segmentación activa, de mejor a peor, según sus miembros que "
        "aceptaron recibir publicidad: oficio, lugar, experiencia, salario y formación. Nunca la "
        "edad ni el género. Afinidad de 0 a 1; se recomienda desde {threshold}.",
        "The active segmentation's segments, best first, judged by their members who accepted "
        "marketing: trade, place, experience, pay and schooling. Never age or gender. Fit from 0 "
        "to 1; recommended from {threshold}.",
    ),
    "audience.score": ("Afinidad", "Fit"),
    "audience.reach": ("Alcanzables", "Reachable"),
    "audience.recommended": ("recomendado", "recommended"),
    "audience.fits": ("encaja", "fits"),
    "audience.low_fit": ("encaja poco", "poor fit"),
    "audience.places": ("Dónde se anuncia", "Where it is advertised"),
    "audience.country_wide": (
        "Empleo remoto: todo el país.",
        "Remote job: the whole country.",
    ),
    "audience.keywords": ("Palabras clave (de la vacante)", "Keywords (from the job)"),
    "audience.own": ("Audiencia propia de la vacante", "The job's own audience"),
    "audience.own_reach": (
        "{reach} candidatos encajan (de hasta {size})",
        "{reach} candidates fit (of up to {size})",
    ),
    "audience.own_help": (
        "Las personas que aceptaron recibir publicidad y más probablemente se postulen, una por "
        "una: lo que una bolsa de empleo sabe y una plataforma no. Se usa si la pide en el "
        "formulario, o si ningún segmento encaja.",
        "The people who accepted marketing and are most likely to apply, one by one: what a job "
        "site knows and an ad platform does not. Used when asked for in the form, or when no "
        "segment fits.",
    ),
    "form.no_segments": (
        "No hay una segmentación activa: el anuncio usará la ciudad y el área de la vacante.",
        "There is no active segmentation: the ad will use the job's city and area.",
    ),
    "form.people": ("{size} personas", "{size} people"),
    "form.proxy_badge": ("posible filtro de edad", "possible age proxy"),
    "form.accept_age_proxy": (
        "Confirmo que la oferta es para todas las edades aunque elija un segmento marcado como "
        "posible filtro de edad (Ley 931 de 2004); la confirmación queda registrada a mi nombre.",
        "I confirm the offer is open to every age although I choose a segment flagged as a "
        "possible age proxy (Ley 931 de 2004); the confirmation is recorded under my name.",
    ),
    "form.job_audience": (
        "Candidatos más afines (audiencia propia)",
        "Best-fitting candidates (own audience)",
    ),
    "form.job_audience_help": (
        "Opcional: N entre 100 y 50.000. La campaña llega también a los N candidatos que "
        "aceptaron publicidad y más probablemente se postulen (misma área, a su alcance, "
        "experiencia, salario y formación), como audiencia propia en cada plataforma.",
        "Optional: N between 100 and 50,000. The campaign also reaches the N candidates who "
        "accepted marketing and are most likely to apply (same area, within reach, experience, "
        "pay and schooling), as an audience of its own on each platform.",
    ),
    "form.accept_job_audience_skew": (
        "Confirmo que la oferta es para todas las edades aunque la edad distinga a los "
        "candidatos más afines del resto (Ley 931 de 2004); la confirmación queda registrada a "
        "mi nombre.",
        "I confirm the offer is open to every age although age sets the best-fitting "
        "candidates apart from the rest (Ley 931 de 2004); the confirmation is recorded under "
        "my name.",
    ),
    "form.rules_title": ("Quién ve el anuncio", "Who sees the ad"),
    "form.rules_note": (
        "La segmentación por edad, género o código postal no se ofrece: la ley colombiana y las "
        "políticas de anuncios de empleo de cada plataforma la prohíben. Cada anuncio llega a "
        "todas las edades (18–65+), a todos los géneros y a ciudades enteras (radio de 24 km o "
        "más).",
        "Age, gender and postal-code targeting is not offered: Colombian law and each "
        "platform's employment-ad policy forbid it. Every ad reaches all ages (18–65+), all "
        "genders and whole cities (a radius of 24 km or more).",
    ),
    "form.rules_why": ("Las reglas y sus fuentes", "The rules and their sources"),
    "form.narrowing_refused": (
        "Esta segmentación no está permitida en anuncios de empleo; no se creó nada:",
        "This targeting is not allowed in job ads; nothing was created:",
    ),
    "form.name": ("Nombre (opcional)", "Name (optional)"),
    "form.budget": ("Presupuesto diario (COP)", "Daily budget (COP)"),
    "form.start": ("Inicio", "Start date"),
    "form.end": ("Fin (opcional)", "End date (optional)"),
    "form.objective": ("Objetivo", "Objective"),
    "form.objective.traffic": ("Tráfico a la vacante", "Traffic to the job"),
    "form.objective.leads": ("Postulaciones", "Applications"),
    "form.objective.awareness": ("Alcance", "Awareness"),
    "form.check": ("Revisar cumplimiento", "Check compliance"),
    "form.create": ("Crear campaña", "Create campaign"),
    "form.created": (
        "Campaña #{id} creada; se está publicando en segundo plano.",
        "Campaign #{id} created; it is being published in the background.",
    ),
    "form.fix": ("Revise estos campos:", "Please check these fields:"),
    # compliance preview
    "preview.title": ("Revisión de cumplimiento", "Compliance check"),
    "preview.hint": (
        "Elija plataformas y segmentos para ver aquí la revisión antes de crear la campaña.",
        "Choose platforms and segments to see the check here before creating the campaign.",
    ),
    "preview.ok": (
        "{platform}: la segmentación cumple las reglas de anuncios de empleo.",
        "{platform}: the targeting meets the employment-ad rules.",
    ),
    "preview.blocked": (
        "{platform}: la segmentación incumple reglas y no se publicaría.",
        "{platform}: the targeting breaks rules and would not be published.",
    ),
    "preview.targeting": (
        "Segmentación: edades {age_min}–{age_max}+, todos los géneros, {places}.",
        "Targeting: ages {age_min}–{age_max}+, all genders, {places}.",
    ),
    "preview.places": ("{count} ciudades ({names})", "{count} cities ({names})"),
    "preview.whole_country": ("todo el país", "the whole country"),
    "preview.keywords": ("Palabras clave: {keywords}", "Keywords: {keywords}"),
    "preview.advisories": ("Advertencias", "Warnings"),
    "preview.recommended": (
        "Sin segmentos marcados, la campaña apuntará a los recomendados: {names}.",
        "With no segment ticked, the campaign will aim at the recommended ones: {names}.",
    ),
    "preview.problems": ("Otros problemas", "Other problems"),
    "preview.budget_low": (
        "{platform} necesita al menos {amount} COP por día.",
        "{platform} needs at least {amount} COP per day.",
    ),
    "preview.dates": (
        "La fecha de fin es anterior a la de inicio.",
        "The end date is before the start date.",
    ),
    # segments
    "segments.title": ("Segmentos", "Segments"),
    "segments.run": ("Ejecución #{id}", "Run #{id}"),
    "segments.run_meta": (
        "{algorithm}, k={k}, {count} candidatos, terminada {when}",
        "{algorithm}, k={k}, {count} candidates, finished {when}",
    ),
    "segments.none": (
        "Aún no hay una segmentación activa.",
        "There is no active segmentation yet.",
    ),
    "segments.size": ("{size} personas · {share}", "{size} people · {share}"),
    "segments.median_age": ("Edad mediana", "Median age"),
    "segments.median_experience": ("Experiencia mediana", "Median experience"),
    "segments.years": ("{value} años", "{value} years"),
    "segments.salary": ("Salario deseado", "Desired salary"),
    "segments.cities": ("Ciudades", "Cities"),
    "segments.areas": ("Áreas", "Areas"),
    "segments.skills": ("Habilidades", "Skills"),
    "segments.education": ("Educación", "Education"),
    "segments.remote": ("Modalidad", "Work mode"),
    "segments.consenting": ("Con autorización", "Consenting"),
    "segments.distinctive": ("Lo distingue", "Stands out"),
    "segments.lift": ("×{lift} frente al total", "×{lift} the overall share"),
    "segments.knee": ("El codo de la inercia está en k={k}.", "The inertia elbow is at k={k}."),
    "segments.proxy": (
        "Advertencia: este segmento se explica en buena parte por la edad.",
        "Warning: this segment is largely explained by age.",
    ),
    "segments.scatter": ("Proyección 2-D de los candidatos", "2-D projection of the candidates"),
    "segments.scatter_desc": (
        "Cada punto es un candidato de la muestra, coloreado por segmento.",
        "Each dot is a sampled candidate, coloured by segment.",
    ),
    "segments.no_projection": (
        "Esta ejecución no guardó una proyección.",
        "This run stored no projection.",
    ),
    "segments.metrics": ("Métricas por k", "Metrics per k"),
    "segments.silhouette": ("Silueta (mayor es mejor)", "Silhouette (higher is better)"),
    "segments.elbow": ("Inercia (codo)", "Inertia (elbow)"),
    "segments.chosen_k": ("k elegido: {k}.", "chosen k: {k}."),
    "segments.no_metrics": ("Sin métricas por k.", "No per-k metrics."),
    "segments.runs": ("Ejecuciones", "Runs"),
    "segments.active": ("activa", "active"),
    "segments.train": ("Entrenar nueva segmentación", "Train new segmentation"),
    "segments.train_started": (
        "Entrenamiento #{id} iniciado; el segmento activo no cambia hasta que termine.",
        "Training #{id} started; the active run stays until it finishes.",
    ),
    "segments.progress": ("Entrenamiento #{id}: {status}", "Training #{id}: {status}"),
    "segments.k_range": ("Rango de k", "k range"),
    "run.id": ("#", "#"),
    "run.status": ("Estado", "Status"),
    "run.k": ("k", "k"),
    "run.candidates": ("Candidatos", "Candidates"),
    "run.segments": ("Segmentos", "Segments"),
    "run.created": ("Creada", "Created"),
    "run.finished": ("Terminada", "Finished"),
    "run.status.pending": ("en cola", "pending"),
    "run.status.running": ("entrenando", "running"),
    "run.status.succeeded": ("lista", "succeeded"),
    "run.status.failed": ("falló", "failed"),
    # campaigns
    "campaigns.title": ("Campañas", "Campaigns"),
    "campaigns.all": ("Todas", "All"),
    "campaigns.filter": ("Filtrar por estado", "Filter by status"),
    "campaigns.none": ("Ninguna campaña con este estado.", "No campaign with this status."),
    "campaign.name": ("Campaña", "Campaign"),
    "campaign.warnings": ("Advertencias de cumplimiento", "Compliance warnings"),
    "campaign.fit_warnings": ("Advertencias de audiencia", "Audience warnings"),
    "campaign.job": ("Vacante", "Job"),
    "campaign.status": ("Estado", "Status"),
    "campaign.platforms": ("Plataformas", "Platforms"),
    "campaign.budget": ("Presupuesto diario", "Daily budget"),
    "campaign.dates": ("Fechas", "Dates"),
    "campaign.objective": ("Objetivo", "Objective"),
    "campaign.created_by": ("Creada por", "Created by"),
    "campaign.created": ("Creada", "Created"),
    "campaign.segments": ("Segmentos", "Segments"),
    "campaign.job_audience": (
        "Candidatos más afines (audiencia propia)",
        "Best-fitting candidates (own audience)",
    ),
    "campaign.job_audience_none": ("no", "no"),
    "campaign.job_audience_people": ("los {size} más afines", "the {size} best-fitting"),
    "campaign.no_end": ("sin fin", "open-ended"),
    "campaign.publications": ("Publicación por plataforma", "Publication per platform"),
    "campaign.platform": ("Plataforma", "Platform"),
    "campaign.external_ids": ("IDs en la plataforma", "Platform ids"),
    "campaign.attempts": ("Intentos", "Attempts"),
    "campaign.last_error": ("Último error", "Last error"),
    "campaign.updated": ("Actualizada", "Updated"),
    "campaign.retry": ("Reintentar fallidas", "Retry failed"),
    "campaign.pause": ("Pausar", "Pause"),
    "campaign.resume": ("Reanudar", "Resume"),
    "campaign.retried": (
        "Publicaciones fallidas en cola de nuevo.",
        "Failed publications queued again.",
    ),
    "campaign.paused": ("Campaña pausada.", "Campaign paused."),
    "campaign.resumed": ("Campaña reanudada.", "Campaign resumed."),
    "campaign.live": ("Actualizando automáticamente…", "Refreshing automatically…"),
    "campaign.field": ("campo {field}", "field {field}"),
    # results
    "platform.meta": ("Meta", "Meta"),
    "platform.google": ("Google Ads", "Google Ads"),
    "platform.x": ("X", "X"),
    "platform.tiktok": ("TikTok", "TikTok"),
    "platform.snapchat": ("Snapchat", "Snapchat"),
    # the optimiser's panel on the campaign page (views/optimisation.py)
    "opt.title": ("Presupuesto y reglas", "Budget and rules"),
    "opt.split": ("Reparto del presupuesto diario", "Daily budget split"),
    "opt.not_allocating": ("Sin reparto automático", "No automatic split"),
    "opt.audience": ("Audiencia", "Audience"),
    "opt.budget": ("Presupuesto diario", "Daily budget"),
    "opt.share": ("Participación", "Share"),
    "opt.change": ("En la plataforma", "On the platform"),
    "opt.change_pending": ("pendiente", "pending"),
    "opt.change_applied": ("aplicado", "applied"),
    "opt.change_refused": ("rechazado", "refused"),
    "opt.rebalance": ("Repartir ahora", "Rebalance now"),
    "opt.rebalanced": (
        "Presupuesto repartido de nuevo; las plataformas lo reciben en segundo plano.",
        "Budget split again; the platforms receive it in the background.",
    ),
    "opt.history": ("Historial de movimientos", "History of moves"),
    "opt.no_runs": (
        "Aún no hay movimientos: el reparto se hace una vez al día con los resultados del día "
        "anterior.",
        "No moves yet: the split is made once a day from the previous day's results.",
    ),
    "opt.run_line": ("{day} · {total} COP al día", "{day} · {total} COP a day"),
    "opt.trigger.daily": ("diario", "daily"),
    "opt.trigger.on_demand": ("a pedido", "on demand"),
    "opt.rules": ("Reglas", "Rules"),
    "opt.rule.max_applications": (
        "Detener la campaña tras {count} postulaciones",
        "Stop the campaign after {count} applications",
    ),
    "opt.rule.max_applications_week": (
        "Detener la campaña tras {count} postulaciones en la semana (se reanuda la siguiente)",
        "Stop the campaign after {count} applications in a week (it resumes the next)",
    ),
    "opt.rule.max_cpa": (
        "Pausar la combinación que pase de {cpa} COP por postulación tras gastar {spend} COP",
        "Pause an arm over {cpa} COP per application once it has spent {spend} COP",
    ),
    "opt.rule.job_closed": (
        "Pausar cuando la vacante se cierre o se pause",
        "Pause when the job is closed or paused",
    ),
    "opt.rule.end_date": (
        "Pausar al pasar la fecha de fin o al gastar el presupuesto total",
        "Pause once the end date has passed or the total budget is spent",
    ),
    "opt.standing": ("aplica a toda campaña", "applies to every campaign"),
    "opt.disabled": ("desactivada", "disabled"),
    "opt.fired": ("Se activó {when}", "Fired {when}"),
    "opt.not_fired": ("No se ha activado", "Has not fired"),
    "opt.enable": ("Activar", "Enable"),
    "opt.disable": ("Desactivar", "Disable"),
    "opt.remove": ("Eliminar", "Remove"),
    "opt.add_rule": ("Añadir una regla", "Add a rule"),
    "opt.kind": ("Regla", "Rule"),
    "opt.kind_max_applications": ("Detener tras N postulaciones", "Stop after N applications"),
    "opt.kind_max_cpa": ("Costo máximo por postulación", "Maximum cost per application"),
    "opt.max_applications": ("Postulaciones (N)", "Applications (N)"),
    "opt.period": ("Contar", "Count"),
    "opt.period_campaign": ("en toda la campaña", "over the whole campaign"),
    "opt.period_week": ("por semana", "per week"),
    "opt.max_cpa": ("Costo máximo por postulación (COP)", "Maximum cost per application (COP)"),
    "opt.min_spend": ("tras gastar (COP)", "once it has spent (COP)"),
    "opt.add": ("Añadir", "Add"),
    "opt.rule_added": ("Regla añadida.", "Rule added."),
    "opt.rule_enabled": ("Regla activada.", "Rule enabled."),
    "opt.rule_disabled": ("Regla desactivada.", "Rule disabled."),
    "opt.rule_removed": ("Regla eliminada.", "Rule removed."),
    "opt.dry_run": ("Simulación", "Dry run"),
    "opt.dry_run_days": ("Últimos días", "Last days"),
    "opt.dry_run_go": ("Simular", "Simulate"),
    "opt.dry_run_title": (
        "Qué habría hecho el reparto automático: {since} → {until}",
        "What the automatic split would have done: {since} → {until}",
    ),
    "opt.dry_run_note": (
        "Cada día se decide con lo que se sabía antes de él. Nada se guarda ni se envía a las "
        "plataformas.",
        "Each day is decided with what was known before it. Nothing is stored or sent to the "
        "platforms.",
    ),
    "opt.dry_run_totals": (
        "Gastado {spent} COP por {applications} postulaciones; el reparto habría asignado "
        "{budget} COP.",
        "Spent {spent} COP for {applications} applications; the split would have budgeted "
        "{budget} COP.",
    ),
    "opt.day": ("Día", "Day"),
    "opt.spent": ("Gastado", "Spent"),
    "opt.would_budget": ("Habría asignado", "Would have budgeted"),
    "opt.would_fire": ("Se habría activado: {rule}", "Would have fired: {rule}"),
    "opt.days_invalid": (
        "Los días deben ser un número entero entre 1 y {max}.",
        "Days must be a whole number between 1 and {max}.",
    ),
    "opt.not_a_number": ("{field}: no es un número entero", "{field}: not a whole number"),
    "opt.whole_cop": ("un número entero, sin puntos", "a whole number, without separators"),
    "results.title": ("Resultados", "Results"),
    "results.spend": ("Inversión", "Spend"),
    "results.applications": ("Postulaciones", "Applications"),
    "results.applications_count": ("{count} postulaciones", "{count} applications"),
    "results.cpa": ("Costo por postulación", "Cost per application"),
    "results.clicks": ("Clics", "Clicks"),
    "results.impressions": ("Impresiones", "Impressions"),
    "results.ctr": ("CTR", "CTR"),
    "results.ctr_note": ("{ctr} de las impresiones", "{ctr} of impressions"),
    "results.cpc": ("Costo por clic", "Cost per click"),
    "results.apply_rate": ("Tasa de postulación", "Apply rate"),
    "results.apply_rate_note": ("postulaciones por clic", "applications per click"),
    "results.chart_title": (
        "Inversión diaria (barras, COP) y postulaciones (línea)",
        "Daily spend (bars, COP) and applications (line)",
    ),
    "results.legend_spend": ("Inversión diaria (COP, eje izquierdo)", "Daily spend (COP, left)"),
    "results.legend_applications": (
        "Postulaciones (eje derecho)",
        "Applications (right axis)",
    ),
    "results.by_platform": ("Por plataforma", "By platform"),
    "results.by_segment": ("Por segmento", "By segment"),
    "results.no_segment": ("Fuera de los segmentos", "Outside the segments"),
    "results.shared_note": (
        "Un mismo anuncio llega a estos segmentos en cada plataforma, así que su inversión "
        "({spend} COP, {cpa} COP por postulación) no se puede repartir entre ellos; las "
        "postulaciones sí, por el segmento de cada persona.",
        "One ad reaches these segments on each platform, so its spend ({spend} COP, {cpa} COP "
        "per application) cannot be split between them; applications can, by each person's "
        "segment.",
    ),
    "results.none_yet": (
        "Aún no hay resultados: las plataformas informan impresiones, clics e inversión unas "
        "horas después de publicar, y las postulaciones llegan desde el sitio de empleo.",
        "No results yet: the platforms report impressions, clicks and spend some hours after "
        "publishing, and applications arrive from the job site.",
    ),
    "results.overview": ("Resultados de las campañas", "Campaign results"),
    "status.queued": ("en cola", "queued"),
    "status.publishing": ("publicando", "publishing"),
    "status.published": ("publicada", "published"),
    "status.partially_published": ("publicada en parte", "partially published"),
    "status.failed": ("fallida", "failed"),
    "status.paused": ("pausada", "paused"),
    "status.pending": ("pendiente", "pending"),
    "status.ended": ("terminada", "ended"),
    "status.archived": ("archivada", "archived"),
    # budgets, arms and edits
    "form.total_budget": ("Presupuesto total (COP)", "Total budget (COP)"),
    "form.total_budget_none": ("sin total", "no total"),
    "form.pacing": ("Ritmo", "Pacing"),
    "form.pacing.even": ("parejo: el total repartido en los días", "even: the total over the days"),
    "form.pacing.fast": ("rápido: lo que el mercado permita", "fast: as the market allows"),
    "campaign.total_budget": ("Presupuesto total", "Total budget"),
    "campaign.pacing": ("Ritmo", "Pacing"),
    "campaign.archived_at": ("Archivada", "Archived"),
    "campaign.arms": (
        "Presupuesto por brazo (plataforma × segmento)",
        "Budget per arm (platform × segment)",
    ),
    "campaign.arm_segment": ("Segmento", "Segment"),
    "campaign.arm.job-audience": ("Audiencia propia de la vacante", "The job's own audience"),
    "campaign.arm.campaign": ("Lugares y palabras clave", "Places and keywords"),
    "campaign.arm_budget": ("Presupuesto/día", "Budget/day"),
    "campaign.arm_held": ("En la plataforma", "On the platform"),
    "campaign.arm_change": ("Cambio", "Change"),
    "change.applied": ("aplicado", "applied"),
    "change.pending": ("pendiente", "pending"),
    "change.refused": ("rechazado", "refused"),
    "campaign.edit": ("Cambiar la campaña", "Change the campaign"),
    "campaign.edit_note": (
        "Cada cambio se envía a todas las plataformas; la tabla de brazos muestra cómo avanza.",
        "Every change is sent to every platform; the arms table shows how it goes.",
    ),
    "campaign.ad_copy": ("Textos propios (opcional)", "Your own ad copy (optional)"),
    "campaign.headline": ("Título", "Headline"),
    "campaign.description": ("Descripción", "Description"),
    "campaign.primary_text": ("Texto principal", "Primary text"),
    "campaign.auto_allocate": (
        "Mover el presupuesto entre brazos según el costo por postulación",
        "Move the budget between arms by cost per application",
    ),
    "campaign.accept_age_proxy": (
        "Confirmo que la oferta está abierta a todas las edades",
        "I confirm the offer is open to every age",
    ),
    "campaign.save": ("Guardar cambios", "Save changes"),
    "campaign.edited": (
        "Cambios guardados; se están enviando a las plataformas.",
        "Changes saved; they are being sent to the platforms.",
    ),
    "campaign.unchanged": ("No había nada que cambiar.", "There was nothing to change."),
    "campaign.archive": ("Archivar", "Archive"),
    "campaign.archive_confirm": (
        "¿Archivar la campaña? Se termina en todas las plataformas; sus resultados se conservan.",
        "Archive the campaign? It ends on every platform; its results are kept.",
    ),
    "campaign.archived": (
        "Campaña archivada: se está terminando en cada plataforma.",
        "Campaign archived: it is being ended on every platform.",
    ),
}


def choose_language() -> str:
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE) or "es"


def language() -> str:
    """The language of this request, decided once."""
    if "web_language" not in g:
        g.web_language = choose_language()
    return str(g.web_language)


def translate(key: str, **values: object) -> str:
    """The text for `key` in this request's language; an unknown key shows itself (and a test
    checks every template key exists)."""
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    text = pair[0] if language() == "es" else pair[1]
    return text.format(**values) if values else text


def pick(spanish: str, english: str) -> str:
    """Choose between two texts a service already wrote in both languages."""
    return spanish if language() == "es" else english
