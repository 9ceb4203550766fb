from flask import Blueprint

bp = Blueprint("labs", __name__)
