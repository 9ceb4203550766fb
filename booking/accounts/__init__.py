"""Users, their memberships and roles, sign-in, invitations and password reset."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)
