"""List import: files of prospects (CSV, XLSX) mapped by a list format, checked for
duplicates within the list and against the partners the hub holds, and turned into
partners, resumably and exactly once (docs/list-import.md)."""
