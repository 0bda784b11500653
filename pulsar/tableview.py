"""pulsar.tableview: where pulsar-client 3.13 defines TableView (the extension's class here)."""

from pulsar._core import TableView

__all__ = ["TableView"]
