"""The admin command line (`hub`)."""
