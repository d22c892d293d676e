"""Staff administration from the web: roles, and what each staff member has done."""
