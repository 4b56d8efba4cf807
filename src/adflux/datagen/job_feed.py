"""A simulated employer's job feed: the generator's jobs written as the XML feed job boards read
(<source><job>…), the way real feeds write them: CDATA, HTML descriptions, salary as text, cities
with or without accents, departments as states. For tests and benchmarks of feed import.

Written job by job to a stream, so a 100,000-job feed never sits in memory.
"""

from __future__ import annotations

from typing import IO
from xml.sax.saxutils import escape

from adflux.datagen.generator import generate_jobs
from adflux.feeds.mapping import fold

CHUNK = 1_000
_JOBTYPES = {
    "tiempo_completo": "Tiempo completo",
    "medio_tiempo": "Medio tiempo",
    "prestacion_servicios": "Prestación de servicios",
    "practicas": "Contrato de aprendizaje",
}
_YEARS = {
    "junior": "Sin experiencia",
    "semi_senior": "2 años",
    "senior": "5 años",
    "lead": "10 años",
}


def _pesos(amount: int) -> str:
    return "$" + f"{amount:,}".replace(",", ".")


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def job_element(job: dict[str, object], *, index: int, ref_prefix: str) -> str:
    """One <job> of the feed for a generated job (odd jobs write their city without accents)."""
    city = str(job["city"])
    if index % 2:
        city = fold(city).title()
    salary = (
        f"{_pesos(int(job['salary_min_cop']))} - {_pesos(int(job['salary_max_cop']))} COP mensual"  # type: ignore[call-overload]
    )
    jobtype = _JOBTYPES[str(job["employment_type"])]
    if job["remote_mode"] == "remoto":
        jobtype += ", Remoto"
    description = (
        f"<p>{escape(str(job['description']))}</p><ul><li>{escape(str(job['area']))}</li></ul>"
    )
    fields = {
        "title": _cdata(str(job["title"])),
        "date": "2026-12-01",
        "referencenumber": escape(f"{ref_prefix}{index:07d}"),
        "url": escape(f"https://www.magneto365.com/co/empleos/{ref_prefix}{index:07d}"),
        "company": _cdata(str(job["company"])),
        "city": _cdata(city),
        "state": _cdata(str(job["department"])),
        "country": "Colombia",
        "description": _cdata(description),
        "salary": _cdata(salary),
        "jobtype": _cdata(jobtype),
        "category": _cdata(str(job["area"])),
        "experience": _cdata(_YEARS[str(job["seniority"])]),
    }
    inner = "".join(f"<{name}>{value}</{name}>" for name, value in fields.items())
    return f"<job>{inner}</job>\n"


def write_job_feed(
    out: IO[bytes], *, n_jobs: int, seed: int = 7, start: int = 0, ref_prefix: str = "MG-"
) -> None:
    """Write an XML feed of jobs ``start .. start + n_jobs - 1`` (the same jobs for one seed)."""
    out.write(b'<?xml version="1.0" encoding="utf-8"?>\n<source>\n<publisher>Magneto</publisher>\n')
    for first in range(start, start + n_jobs, CHUNK):
        count = min(CHUNK, start + n_jobs - first)
        jobs = generate_jobs(count, seed=seed, start=first)
        out.write(
            "".join(
                job_element(job, index=first + i, ref_prefix=ref_prefix)
                for i, job in enumerate(jobs)
            ).encode()
        )
    out.write(b"</source>\n")
