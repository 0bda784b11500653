"""Support code for the fastpulsar test suite (imported as ``support.xxx``)."""
