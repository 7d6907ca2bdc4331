"""Errors a user may see: each is one line, 'viommu: error: ...', and a non-zero exit status."""


class UserError(Exception):
    """An expected failure, reported as one line. status is the process exit status (2 = usage)."""

    def __init__(self, message, status=2, detail=None):
        super().__init__(message)
        self.status = status
        # Optional text printed (to stderr) before the error line, e.g. the tail of a build log.
        self.detail = detail


def error_line(message):
    return "viommu: error: " + message
