"""A CRM Hub plugin for a web-form service (the worked example of docs/plugins.md)."""
