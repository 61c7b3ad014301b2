"""Keywarden client for Python.

For now it holds the HMAC request signer (:mod:`keywarden.signing`); the SDK will follow.
"""
