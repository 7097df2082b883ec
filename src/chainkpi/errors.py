"""The errors a user can cause. The CLI turns each into one clear line; anything else is a bug."""


class UserError(Exception):
    """A mistake the user can fix: a missing file, a bad option, an empty warehouse."""

    exit_code = 2


class UsageError(UserError):
    """The command was called wrongly (exit 2)."""

    exit_code = 2


class PipelineError(UserError):
    """A step failed for a reason outside the code (exit 1): a rejected build, a locked file."""

    exit_code = 1
