"""Motion data: the canonical clip format, the motion library, the bundled dataset generator and converters."""
