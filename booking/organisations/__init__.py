"""Regions, schools and their classes, and partners."""

from flask import Blueprint

bp = Blueprint("organisations", __name__)
