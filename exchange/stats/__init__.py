"""Statistics for the department: figures for any period and past date, charts, exports."""
