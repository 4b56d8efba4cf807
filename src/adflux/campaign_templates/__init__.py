"""Campaign templates: standing campaigns over a group of jobs, one per new matching job."""
