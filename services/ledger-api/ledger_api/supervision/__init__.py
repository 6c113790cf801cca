"""Supervision (督办): key cases, interviews (约谈) and supervision notices (督办书)."""
