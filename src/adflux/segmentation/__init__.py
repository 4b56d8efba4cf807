"""Audience segmentation of candidates.

Pure parts (no database, no Flask): ``features`` (rows -> feature frame), ``pipeline`` (unfitted
scikit-learn pipeline), ``selection`` (choice of k), ``training`` (fit + evidence), ``artifacts``
(joblib + manifest), ``profiles`` (what a recruiter reads), ``plots`` (PNG). Nothing is imported
here, so loading the models of this package does not pull in scikit-learn or pandas.
"""
