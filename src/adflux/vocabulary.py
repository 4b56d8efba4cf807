"""The closed vocabularies of jobs and candidates, shared by models, API schemas and the generator.

Plain tuples with no database import, so pure code (the data generator, segmentation) and the
models draw from one definition.
"""

EDUCATION_LEVELS = (
    "bachiller",
    "tecnico",
    "tecnologo",
    "profesional",
    "especializacion",
    "maestria",
    "doctorado",
)
# A candidate's preference and a job's mode use the same three words.
REMOTE_MODES = ("presencial", "hibrido", "remoto")
SENIORITIES = ("junior", "semi_senior", "senior", "lead")
EMPLOYMENT_TYPES = ("tiempo_completo", "medio_tiempo", "prestacion_servicios", "practicas")
