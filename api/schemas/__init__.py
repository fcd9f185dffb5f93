"""Marshmallow schemas for every request and response body, one module per resource.

They are the contract: handlers load and dump with them, and the OpenAPI document
is generated from them (see :mod:`api.openapi`).
"""
