"""Exceptions raised by the rnncomp codec.

Every error derives from :class:`CodecError`, itself a :class:`ValueError`, so a command-line tool
can catch one type and print ``str(error)``: each message is a single human-readable line.
"""


class CodecError(ValueError):
    """Base class of all errors about an rnncomp file or its decoding."""


class NotRnncompError(CodecError):
    """The data does not start with the rnncomp magic bytes."""


class UnsupportedVersionError(CodecError):
    """The file uses a container format version this build cannot read."""


class InvalidHeaderError(CodecError):
    """A header field holds a value the format does not allow."""


class ImageTooLargeError(InvalidHeaderError):
    """The declared image size exceeds the caller's pixel limit."""


class TruncatedFileError(CodecError):
    """The file ends before the data its header and chunk lengths declare."""


class TrailingDataError(CodecError):
    """Bytes follow the last chunk the header declares."""


class ChecksumError(CodecError):
    """A stored CRC32 does not match the bytes it covers: the file is corrupted."""


class CorruptStreamError(CodecError):
    """Range-coded data cannot be decoded with the probabilities supplied."""


class EntropyMismatchError(CodecError):
    """Decoded bits fail their check value although the chunk CRC matched.

    The file is intact, so the decoder's entropy model produced different probabilities than the
    encoder's (other platform, backend or weights).
    """


class ModelMismatchError(CodecError):
    """The file names a model id or weights hash that the decoder does not have."""


class OutputExistsError(CodecError, FileExistsError):
    """The output path exists and overwriting was not requested."""
