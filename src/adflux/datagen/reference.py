"""Colombian reference data for the simulated jobs and candidates (pure constants and pools).

Populations are rounded DANE 2024 municipal projections; they only weight the draws. Salaries are
monthly COP. Names and company surnames come from Faker ``es_CO`` with a fixed seed, drawn ONCE
into pools (``name_pools()``, ``company_pool()``): rows are then built by indexing the pools with
numpy, which is what keeps a million candidates fast (Faker per row runs at a few thousand rows/s).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from adflux.vocabulary import EDUCATION_LEVELS, EMPLOYMENT_TYPES, SENIORITIES
from adflux.vocabulary import REMOTE_MODES as REMOTE_PREFERENCES

__all__ = ["EDUCATION_LEVELS", "EMPLOYMENT_TYPES", "REMOTE_PREFERENCES", "SENIORITIES"]

# Salario mínimo mensual legal vigente 2025 (Decreto 1572 de 2024): nobody asks for less.
SMMLV_COP = 1_423_500

# Typical age at which each education level is finished: age = this + experience + a gap.
EDUCATION_FINISH_AGE = {
    "bachiller": 17,
    "tecnico": 19,
    "tecnologo": 20,
    "profesional": 22,
    "especializacion": 24,
    "maestria": 26,
    "doctorado": 30,
}

EMAIL_DOMAINS = (
    "gmail.com",
    "hotmail.com",
    "outlook.com",
    "yahoo.com",
    "gmail.co",
    "hotmail.co",
    "outlook.co",
    "yahoo.co",
)
# Rough market shares; ".co" addresses exist but are rare.
EMAIL_DOMAIN_WEIGHTS = (0.55, 0.20, 0.10, 0.05, 0.03, 0.03, 0.02, 0.02)

# Mobile prefixes assigned by the CRC to Claro, Movistar, Tigo, WOM, ETB and others.
MOBILE_PREFIXES = (
    300, 301, 302, 303, 304, 305, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319,
    320, 321, 322, 323, 324, 333, 350, 351,
)  # fmt: skip

# Language combinations candidates report (Spanish always), with base probabilities.
LANGUAGE_SETS = (("es",), ("es", "en"), ("es", "en", "fr"), ("es", "en", "pt"), ("es", "pt"))


@dataclass(frozen=True, slots=True)
class City:
    name: str
    department: str
    population: int


CITIES = (
    City("Bogotá", "Bogotá, D.C.", 7_930_000),
    City("Medellín", "Antioquia", 2_620_000),
    City("Cali", "Valle del Cauca", 2_290_000),
    City("Barranquilla", "Atlántico", 1_340_000),
    City("Cartagena", "Bolívar", 1_060_000),
    City("Soacha", "Cundinamarca", 830_000),
    City("Cúcuta", "Norte de Santander", 790_000),
    City("Soledad", "Atlántico", 690_000),
    City("Bucaramanga", "Santander", 620_000),
    City("Bello", "Antioquia", 560_000),
    City("Villavicencio", "Meta", 560_000),
    City("Ibagué", "Tolima", 545_000),
    City("Santa Marta", "Magdalena", 540_000),
    City("Valledupar", "Cesar", 535_000),
    City("Montería", "Córdoba", 505_000),
    City("Pereira", "Risaralda", 480_000),
    City("Manizales", "Caldas", 450_000),
    City("Pasto", "Nariño", 395_000),
    City("Neiva", "Huila", 370_000),
    City("Palmira", "Valle del Cauca", 360_000),
    City("Popayán", "Cauca", 330_000),
    City("Floridablanca", "Santander", 315_000),
    City("Armenia", "Quindío", 305_000),
    City("Sincelejo", "Sucre", 300_000),
    City("Itagüí", "Antioquia", 290_000),
    City("Envigado", "Antioquia", 245_000),
    City("Barrancabermeja", "Santander", 215_000),
    City("Riohacha", "La Guajira", 205_000),
    City("Tunja", "Boyacá", 185_000),
    City("Yopal", "Casanare", 180_000),
)
CITY_NAMES = tuple(c.name for c in CITIES)
DEPARTMENT_BY_CITY = {c.name: c.department for c in CITIES}


@dataclass(frozen=True, slots=True)
class Area:
    key: str
    label: str
    people: str  # how a recruiter names a group of candidates of this area (segment names)
    junior_titles: tuple[str, ...]
    titles: tuple[str, ...]
    lead_titles: tuple[str, ...]
    skills: tuple[str, ...]
    duties: tuple[str, ...]
    junior_salary_cop: int  # median monthly salary of a junior role; seniority multiplies it


AREAS = (
    Area(
        "tecnologia", "Tecnología y desarrollo de software", "Desarrolladores",
        ("Desarrollador junior", "Practicante de desarrollo", "Soporte de aplicaciones"),
        ("Desarrollador backend", "Desarrollador frontend", "Desarrollador full stack",
         "Ingeniero de software", "Ingeniero DevOps", "Desarrollador móvil"),
        ("Líder técnico de desarrollo", "Arquitecto de software", "Gerente de ingeniería"),
        ("Python", "Java", "JavaScript", "TypeScript", "React", "Node.js", "SQL", "Docker",
         "Kubernetes", "AWS", "Git", "Django", ".NET", "Angular", "Linux", "Scrum"),
        ("Diseñar, construir y mantener servicios web de alto tráfico.",
         "Participar en revisiones de código y en la definición de la arquitectura.",
         "Automatizar pruebas y despliegues en la nube.",
         "Trabajar con producto y diseño en ciclos ágiles de dos semanas."),
        3_200_000,
    ),
    Area(
        "datos", "Datos y analítica", "Analistas de datos",
        ("Analista de datos junior", "Practicante de analítica"),
        ("Analista de datos", "Científico de datos", "Ingeniero de datos", "Analista BI"),
        ("Líder de analítica", "Gerente de datos"),
        ("SQL", "Python", "Power BI", "Tableau", "Excel avanzado", "Estadística", "Spark",
         "Machine learning", "ETL", "R", "Looker"),
        ("Construir tableros e indicadores para las áreas de negocio.",
         "Modelar y limpiar datos provenientes de múltiples fuentes.",
         "Desarrollar modelos predictivos y comunicar sus resultados.",
         "Garantizar la calidad y gobierno de los datos."),
        3_000_000,
    ),
    Area(
        "logistica", "Logística y transporte", "Operarios de logística",
        ("Auxiliar de bodega", "Operario de logística", "Ayudante de entregas"),
        ("Montacarguista", "Conductor de reparto", "Analista de inventarios",
         "Auxiliar de despachos", "Coordinador de turno de bodega"),
        ("Jefe de bodega", "Coordinador logístico", "Gerente de operaciones logísticas"),
        ("Manejo de montacargas", "Inventarios", "Alistamiento de pedidos", "Licencia C2",
         "Cargue y descargue", "WMS", "SAP", "Cadena de frío", "Seguridad industrial"),
        ("Recibir, almacenar y despachar mercancía según los procedimientos del centro.",
         "Realizar conteos cíclicos de inventario y reportar novedades.",
         "Cargar y descargar vehículos cumpliendo las normas de seguridad.",
         "Alistar pedidos con precisión y en los tiempos acordados."),
        1_500_000,
    ),
    Area(
        "administracion", "Administración y oficina", "Profesionales administrativos",
        ("Auxiliar administrativo", "Practicante de administración", "Recepcionista"),
        ("Asistente administrativo", "Analista administrativo", "Asistente de gerencia",
         "Analista de compras"),
        ("Coordinador administrativo", "Jefe administrativo", "Gerente administrativo"),
        ("Excel", "Gestión documental", "Office", "Atención telefónica", "Compras",
         "Redacción", "SAP", "Facturación", "Archivo"),
        ("Gestionar la agenda, la correspondencia y el archivo del área.",
         "Apoyar procesos de compras, facturación y pago a proveedores.",
         "Elaborar informes y actas para la gerencia.",
         "Coordinar la logística de reuniones y viajes."),
        1_700_000,
    ),
    Area(
        "recursos_humanos", "Recursos humanos", "Profesionales de talento humano",
        ("Auxiliar de nómina", "Practicante de gestión humana"),
        ("Analista de selección", "Analista de nómina", "Psicólogo organizacional",
         "Analista de bienestar"),
        ("Jefe de gestión humana", "Gerente de talento humano"),
        ("Selección por competencias", "Nómina", "Seguridad social", "Bienestar laboral",
         "Pruebas psicotécnicas", "Legislación laboral", "Excel", "Entrevistas"),
        ("Liderar procesos de reclutamiento y selección de punta a punta.",
         "Liquidar la nómina y los aportes a seguridad social.",
         "Diseñar planes de bienestar, capacitación y clima laboral.",
         "Acompañar a los líderes en la gestión del desempeño."),
        1_900_000,
    ),
    Area(
        "salud", "Salud", "Personal de salud",
        ("Auxiliar de enfermería", "Auxiliar de farmacia", "Camillero"),
        ("Enfermero jefe", "Médico general", "Bacteriólogo", "Fisioterapeuta",
         "Regente de farmacia", "Instrumentador quirúrgico"),
        ("Coordinador médico", "Jefe de enfermería", "Director científico"),
        ("Atención al paciente", "Historia clínica", "Toma de muestras", "Soporte vital básico",
         "Farmacovigilancia", "Urgencias", "Bioseguridad", "Administración de medicamentos"),
        ("Brindar atención segura y humanizada a los pacientes.",
         "Diligenciar la historia clínica y los registros asistenciales.",
         "Cumplir los protocolos de bioseguridad de la institución.",
         "Participar en turnos rotativos del servicio asignado."),
        2_100_000,
    ),
    Area(
        "ventas", "Ventas y comercial", "Asesores comerciales",
        ("Asesor comercial", "Impulsador", "Vendedor de mostrador"),
        ("Ejecutivo de ventas", "Asesor comercial externo", "Ejecutivo de cuenta",
         "Vendedor TAT"),
        ("Jefe de ventas", "Gerente comercial", "Director regional de ventas"),
        ("Ventas consultivas", "Negociación", "CRM", "Prospección", "Servicio al cliente",
         "Manejo de objeciones", "Cumplimiento de metas", "Excel"),
        ("Cumplir el presupuesto mensual de ventas de la zona.",
         "Prospectar nuevos clientes y hacer seguimiento en el CRM.",
         "Asesorar a los clientes en la elección de productos y servicios.",
         "Visitar a clientes y presentar propuestas comerciales."),
        1_600_000,
    ),
    Area(
        "atencion_cliente", "Atención al cliente y call center", "Agentes de servicio al cliente",
        ("Agente de call center", "Asesor de servicio al cliente"),
        ("Agente bilingüe", "Asesor de retención", "Analista de PQR", "Agente de soporte"),
        ("Supervisor de call center", "Jefe de servicio al cliente"),
        ("Inglés conversacional", "Servicio al cliente", "Manejo de PQR", "CRM", "Zendesk",
         "Digitación", "Comunicación asertiva", "Ventas telefónicas"),
        ("Atender llamadas y chats de clientes con calidad y amabilidad.",
         "Registrar y dar solución a peticiones, quejas y reclamos.",
         "Cumplir los indicadores de tiempo de atención y satisfacción.",
         "Ofrecer productos adicionales cuando la conversación lo permita."),
        1_600_000,
    ),
    Area(
        "contabilidad", "Contabilidad y finanzas", "Contadores y financieros",
        ("Auxiliar contable", "Practicante de contabilidad", "Auxiliar de tesorería"),
        ("Contador", "Analista financiero", "Analista de costos", "Analista de tesorería",
         "Analista de impuestos"),
        ("Contador general", "Jefe financiero", "Gerente financiero"),
        ("NIIF", "Impuestos", "Conciliaciones bancarias", "SAP", "Siigo", "Excel avanzado",
         "Presupuestos", "Costos", "Revisoría fiscal"),
        ("Registrar y conciliar las operaciones contables del mes.",
         "Preparar declaraciones tributarias y reportes a la DIAN.",
         "Elaborar estados financieros bajo NIIF.",
         "Controlar el presupuesto y el flujo de caja."),
        2_000_000,
    ),
    Area(
        "educacion", "Educación", "Docentes",
        ("Auxiliar pedagógico", "Docente de preescolar"),
        ("Docente de matemáticas", "Docente de inglés", "Docente de ciencias",
         "Docente universitario", "Orientador escolar"),
        ("Coordinador académico", "Rector", "Director de programa"),
        ("Planeación de clases", "Pedagogía", "Evaluación por competencias", "Inglés",
         "Plataformas virtuales", "Manejo de grupo", "Investigación"),
        ("Planear y desarrollar las clases según el proyecto educativo institucional.",
         "Evaluar el aprendizaje y acompañar a los estudiantes.",
         "Participar en reuniones de área y con padres de familia.",
         "Diseñar material didáctico y actividades virtuales."),
        2_000_000,
    ),
    Area(
        "mantenimiento", "Mantenimiento y técnicos", "Técnicos de mantenimiento",
        ("Auxiliar de mantenimiento", "Ayudante técnico"),
        ("Técnico electricista", "Técnico de mantenimiento industrial", "Técnico mecánico",
         "Técnico de refrigeración", "Técnico electromecánico"),
        ("Jefe de mantenimiento", "Supervisor de mantenimiento"),
        ("Mantenimiento preventivo", "Electricidad industrial", "Soldadura", "Neumática",
         "Hidráulica", "PLC", "Trabajo en alturas", "Refrigeración", "Lectura de planos"),
        ("Ejecutar el plan de mantenimiento preventivo y correctivo de los equipos.",
         "Diagnosticar fallas eléctricas y mecánicas.",
         "Registrar las órdenes de trabajo y el consumo de repuestos.",
         "Cumplir las normas de seguridad para trabajo en alturas."),
        1_800_000,
    ),
    Area(
        "construccion", "Construcción e ingeniería civil", "Profesionales de obra",
        ("Auxiliar de obra", "Ayudante de construcción"),
        ("Ingeniero residente", "Maestro de obra", "Inspector de obra", "Topógrafo",
         "Ingeniero de presupuestos"),
        ("Director de obra", "Gerente de proyectos de construcción"),
        ("AutoCAD", "Presupuestos de obra", "Interventoría", "Topografía", "SISO",
         "Lectura de planos", "Project", "Concretos"),
        ("Controlar el avance, el presupuesto y la calidad de la obra.",
         "Coordinar contratistas y cuadrillas en el frente de trabajo.",
         "Elaborar actas de obra y reportes de avance.",
         "Velar por el cumplimiento de las normas de seguridad en obra."),
        2_100_000,
    ),
    Area(
        "manufactura", "Producción y manufactura", "Operarios de producción",
        ("Operario de producción", "Auxiliar de empaque"),
        ("Operario de máquina", "Analista de calidad", "Supervisor de línea",
         "Técnico de procesos"),
        ("Jefe de producción", "Gerente de planta"),
        ("BPM", "Control de calidad", "Manejo de maquinaria", "Lean manufacturing", "5S",
         "Empaque", "Seguridad industrial", "Trabajo por turnos"),
        ("Operar las máquinas de la línea de producción asignada.",
         "Verificar la calidad del producto según las fichas técnicas.",
         "Cumplir las buenas prácticas de manufactura y de orden y aseo.",
         "Reportar novedades de producción al supervisor de turno."),
        1_500_000,
    ),
    Area(
        "marketing", "Mercadeo y publicidad", "Profesionales de mercadeo",
        ("Asistente de mercadeo", "Practicante de comunicaciones"),
        ("Analista de mercadeo digital", "Community manager", "Especialista SEO/SEM",
         "Analista de marca"),
        ("Gerente de marca", "Jefe de mercadeo"),
        ("Redes sociales", "Google Ads", "Meta Ads", "SEO", "Analítica web", "Copywriting",
         "Email marketing", "Investigación de mercados"),
        ("Planear y ejecutar campañas digitales con objetivos medibles.",
         "Gestionar las redes sociales y la comunidad de la marca.",
         "Analizar los resultados de las pautas y optimizar la inversión.",
         "Coordinar agencias y proveedores de contenido."),
        2_200_000,
    ),
    Area(
        "diseno", "Diseño y creatividad", "Diseñadores",
        ("Diseñador gráfico junior", "Practicante de diseño"),
        ("Diseñador gráfico", "Diseñador UX/UI", "Editor de video", "Ilustrador"),
        ("Director de arte", "Líder de diseño"),
        ("Illustrator", "Photoshop", "Figma", "After Effects", "Premiere", "UX research",
         "Diseño editorial", "Branding"),
        ("Diseñar piezas gráficas para canales digitales e impresos.",
         "Prototipar interfaces y validarlas con usuarios.",
         "Mantener la coherencia de la identidad visual de la marca.",
         "Editar videos cortos para redes sociales."),
        2_000_000,
    ),
    Area(
        "legal", "Legal y jurídico", "Abogados",
        ("Auxiliar jurídico", "Dependiente judicial"),
        ("Abogado litigante", "Abogado laboral", "Abogado corporativo", "Analista jurídico"),
        ("Director jurídico", "Gerente legal"),
        ("Derecho laboral", "Derecho comercial", "Contratación", "Litigio",
         "Derecho administrativo", "Redacción jurídica", "Cumplimiento"),
        ("Revisar y redactar contratos y conceptos jurídicos.",
         "Atender procesos judiciales y administrativos de la compañía.",
         "Acompañar a las áreas en asuntos laborales y comerciales.",
         "Velar por el cumplimiento normativo."),
        2_300_000,
    ),
    Area(
        "hoteleria", "Hotelería, turismo y gastronomía", "Personal de hotelería y turismo",
        ("Mesero", "Auxiliar de cocina", "Camarera de piso"),
        ("Recepcionista de hotel", "Cocinero", "Bartender", "Asesor de viajes"),
        ("Chef ejecutivo", "Jefe de recepción", "Gerente de hotel"),
        ("Servicio a la mesa", "Manipulación de alimentos", "Inglés", "Cocina caliente",
         "Recepción hotelera", "Coctelería", "Reservas", "Atención al turista"),
        ("Atender a los huéspedes con calidez y en los estándares de la cadena.",
         "Preparar alimentos cumpliendo normas de manipulación.",
         "Gestionar reservas, registros y salidas.",
         "Trabajar en turnos que incluyen fines de semana y festivos."),
        1_500_000,
    ),
    Area(
        "seguridad", "Seguridad y vigilancia", "Personal de seguridad",
        ("Guarda de seguridad", "Operador de medios tecnológicos"),
        ("Supervisor de seguridad", "Escolta", "Analista de riesgos"),
        ("Jefe de seguridad", "Director de seguridad"),
        ("Curso de vigilancia", "CCTV", "Control de acceso", "Primeros auxilios",
         "Manejo de armas", "Reacción", "Medios tecnológicos"),
        ("Controlar el acceso de personas y vehículos a las instalaciones.",
         "Realizar rondas y reportar novedades de seguridad.",
         "Monitorear los sistemas de circuito cerrado de televisión.",
         "Actuar según los protocolos ante emergencias."),
        1_500_000,
    ),
    Area(
        "agro", "Agroindustria", "Profesionales del agro",
        ("Auxiliar de campo", "Operario agrícola"),
        ("Ingeniero agrónomo", "Técnico agropecuario", "Médico veterinario",
         "Supervisor de cultivo"),
        ("Administrador de finca", "Gerente agroindustrial"),
        ("Manejo de cultivos", "Fertilización", "Riego", "Sanidad vegetal", "BPA",
         "Manejo de ganado", "Maquinaria agrícola", "Poscosecha"),
        ("Supervisar las labores de siembra, fertilización y cosecha.",
         "Aplicar los planes sanitarios de cultivos o animales.",
         "Registrar indicadores de productividad del lote.",
         "Coordinar cuadrillas de trabajadores de campo."),
        1_600_000,
    ),
    Area(
        "servicios_generales", "Servicios generales y aseo", "Auxiliares de servicios generales",
        ("Auxiliar de servicios generales", "Auxiliar de aseo"),
        ("Operario de aseo hospitalario", "Jardinero", "Conserje", "Todero"),
        ("Supervisor de aseo", "Coordinador de servicios generales"),
        ("Limpieza y desinfección", "Manejo de químicos", "Jardinería", "Mantenimiento locativo",
         "Cafetería", "Atención al público"),
        ("Mantener limpias y desinfectadas las áreas asignadas.",
         "Manejar productos químicos según las fichas de seguridad.",
         "Apoyar labores de cafetería y mantenimiento locativo.",
         "Reportar daños en las instalaciones."),
        1_423_500,
    ),
)  # fmt: skip
AREA_KEYS = tuple(a.key for a in AREAS)
# Rows store the label (what a recruiter reads, and what ad copy may quote); keys stay internal.
AREA_LABELS = tuple(a.label for a in AREAS)
AREA_BY_KEY = {a.key: a for a in AREAS}
AREA_BY_LABEL = {a.label: a for a in AREAS}

# Monthly salary of each seniority relative to the area's junior median.
SENIORITY_SALARY_FACTOR = {"junior": 1.0, "semi_senior": 1.45, "senior": 2.1, "lead": 3.0}
# Years of experience at which a candidate usually reaches each seniority (lower bound).
SENIORITY_MIN_YEARS = {"junior": 0.0, "semi_senior": 2.0, "senior": 5.0, "lead": 10.0}


def seniority_for_years(years: float) -> str:
    """The seniority a candidate with this much experience usually applies for."""
    result = "junior"
    for level, minimum in SENIORITY_MIN_YEARS.items():
        if years >= minimum:
            result = level
    return result


def salary_band_cop(area: str, seniority: str) -> tuple[int, int]:
    """Typical (min, max) monthly salary in COP for an area and seniority, rounded to 50,000."""
    median = AREA_BY_KEY[area].junior_salary_cop * SENIORITY_SALARY_FACTOR[seniority]
    low = max(SMMLV_COP, round(median * 0.8 / 50_000) * 50_000)
    high = max(low + 100_000, round(median * 1.25 / 50_000) * 50_000)
    return int(low), int(high)


JOB_OPENERS = (
    "{company} busca {title_lower} para su equipo en {city}.",
    "En {company} estamos creciendo y queremos sumar un {title_lower} en {city}.",
    "{company}, empresa con presencia nacional, abre convocatoria para {title_lower}.",
    "Únete a {company} como {title_lower} y crece con nosotros en {city}.",
)
JOB_REQUIREMENTS = (
    "Requisitos: formación {education} y al menos {years} año(s) de experiencia en cargos "
    "similares.",
    "Buscamos formación {education} con {years} año(s) o más de experiencia comprobable.",
    "Perfil: {education}, mínimo {years} año(s) de experiencia y manejo de {skill}.",
)
JOB_OFFERS = (
    "Ofrecemos contrato {employment}, salario de {salary} y prestaciones de ley.",
    "Ofrecemos {salary} mensuales, contrato {employment} y plan de formación.",
    "Te ofrecemos contrato {employment}, {salary} y un excelente ambiente laboral.",
)
JOB_MODALITY = {
    "presencial": "Trabajo presencial en {city}.",
    "hibrido": "Modalidad híbrida: tres días en la oficina de {city} y dos desde casa.",
    "remoto": "Trabajo 100 % remoto desde cualquier ciudad de Colombia.",
}
EMPLOYMENT_LABELS = {
    "tiempo_completo": "a término indefinido de tiempo completo",
    "medio_tiempo": "de medio tiempo",
    "prestacion_servicios": "por prestación de servicios",
    "practicas": "de aprendizaje (prácticas)",
}
EDUCATION_LABELS = {
    "bachiller": "bachiller",
    "tecnico": "técnica",
    "tecnologo": "tecnológica",
    "profesional": "profesional",
    "especializacion": "profesional con especialización",
    "maestria": "de maestría",
    "doctorado": "de doctorado",
}
COMPANY_FORMATS = (
    "{a} {b} S.A.S.",
    "Inversiones {a} S.A.S.",
    "Grupo {a}",
    "{a} & Cía. Ltda.",
    "Comercializadora {a} {b} S.A.S.",
    "Servicios Integrales {a} S.A.S.",
    "Distribuidora {a} S.A.",
    "Soluciones {a} {b} S.A.S.",
    "Constructora {a} S.A.",
    "Clínica {a}",
    "Colegio {a} {b}",
    "Logística {a} S.A.S.",
    "Tecnología {a} S.A.S.",
    "Agroindustrial {a} S.A.S.",
)

# Pool sizes: large enough that names repeat rarely within a segment, small enough to build fast.
FIRST_NAME_POOL = 250  # per gender; es_CO has 300 of each
LAST_NAME_POOL = 300  # es_CO has 300 surnames; two per person gives 90,000 pairs
COMPANY_POOL = 500
POOL_SEED = 20_251_001


def ascii_slug(text: str) -> str:
    """'María José' -> 'maria.jose': accents dropped, spaces to dots, for e-mail local parts."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return ".".join(plain.lower().replace("'", "").split())


@dataclass(frozen=True, slots=True)
class NamePools:
    female_first_names: tuple[str, ...]
    male_first_names: tuple[str, ...]
    last_names: tuple[str, ...]


def _unique(draw: Callable[[], str], size: int, attempts: int) -> tuple[str, ...]:
    """Up to ``size`` distinct values in first-seen order (Faker draws names by frequency)."""
    seen: dict[str, None] = {}
    for _ in range(attempts):
        seen.setdefault(draw(), None)
        if len(seen) == size:
            break
    return tuple(seen)


@lru_cache(maxsize=1)
def name_pools() -> NamePools:
    """First and last names drawn once from Faker es_CO with a fixed seed (order is stable)."""
    from faker import Faker  # imported here: building the pools is the only use, and it is slow

    fake = Faker("es_CO")
    fake.seed_instance(POOL_SEED)
    return NamePools(
        female_first_names=_unique(fake.first_name_female, FIRST_NAME_POOL, FIRST_NAME_POOL * 50),
        male_first_names=_unique(fake.first_name_male, FIRST_NAME_POOL, FIRST_NAME_POOL * 50),
        last_names=_unique(fake.last_name, LAST_NAME_POOL, LAST_NAME_POOL * 50),
    )


@lru_cache(maxsize=1)
def company_pool() -> tuple[str, ...]:
    """Plausible Colombian company names (surnames from Faker es_CO + local legal forms)."""
    import random

    rng = random.Random(POOL_SEED)
    last = name_pools().last_names
    names: dict[str, None] = {}
    while len(names) < COMPANY_POOL:
        fmt = rng.choice(COMPANY_FORMATS)
        names.setdefault(fmt.format(a=rng.choice(last), b=rng.choice(last)), None)
    return tuple(names)
