"""Names of the avi-dsr package and its Avi resource and type tokens (`avi-dsr:avi:<Name>`)."""

PACKAGE = "avi-dsr"
MODULE = "avi"


def resource_token(class_name: str) -> str:
    return f"{PACKAGE}:{MODULE}:{class_name}"


def type_token(name: str) -> str:
    return f"{PACKAGE}:{MODULE}:{name}"
