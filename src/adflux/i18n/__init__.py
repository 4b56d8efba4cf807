"""What a person reads, in their language: gettext catalogs, labels for codes, CLDR formats.

English is the source language of every message (the msgid); ``translations/es`` holds Spanish,
the default, since AdFlux's users are in Colombia. The dashboard, the API's messages and the CLI
all translate through ``catalogs.translations``; ``make translations`` extracts new messages from
the code and ``tests/i18n`` fails the build on any message without a Spanish translation.
"""
