"""Short lowercase labels of the proto enums ("PROJECT_STATUS_DRAFT" -> "draft").

They are what an operator reads in the database and what validation messages list; the
REST spelling of the contract happens to be the same, but the edge keeps its own table.
"""

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper


def labels(enum: EnumTypeWrapper) -> dict[int, str]:
    """Every defined value of `enum` but the zero one, by number."""
    prefix = len(enum.DESCRIPTOR.values[0].name) - len("UNSPECIFIED")
    return {v.number: v.name[prefix:].lower() for v in enum.DESCRIPTOR.values if v.number}


def numbers(enum: EnumTypeWrapper) -> dict[str, int]:
    """The inverse of `labels`."""
    return {label: number for number, label in labels(enum).items()}
