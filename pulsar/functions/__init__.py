"""The Pulsar Functions authoring API, as pulsar-client 3.13 ships it: the interfaces a
Python function is written against (`Function`, `Context`) and the serializers (`SerDe`,
`IdentitySerDe`, `PickleSerDe`). The Pulsar Functions runtime provides the Context; this
package only defines the interfaces."""

from pulsar.functions.context import Context
from pulsar.functions.function import Function
from pulsar.functions.serde import IdentitySerDe, PickleSerDe, SerDe

__all__ = ["Context", "Function", "IdentitySerDe", "PickleSerDe", "SerDe"]
