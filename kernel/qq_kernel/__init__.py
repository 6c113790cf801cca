"""Shared kernel of the 清欠 platform.

Everything the three services need in the same shape lives here, once: settings, the async
database engine, problem details, request ids and JSON logs, metrics, health, the shared HTTP
client, token verification and the audit trail. A service imports from here; services never
import each other.
"""
