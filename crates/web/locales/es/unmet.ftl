# Demanda no atendida en la página de equidad: el informe de no asignados del último lote.
unmet-heading = Demanda no atendida
unmet-none = Todavía no se ha ejecutado ninguna asignación por lotes para este ámbito, así que no hay informe de no asignados. Un administrador del programa la ejecuta desde Emparejamiento; la vista de un plan de salud no la tiene, porque el lote no cuenta a los miembros por plan.
unmet-about-applied = De la asignación por lotes ejecutada el { $day } y aplicada: { $unmatched } de { $waiting } miembros en espera quedaron sin par.
unmet-about-dry-run = De la asignación por lotes probada el { $day } sin aplicarla: { $unmatched } de { $waiting } miembros en espera quedarían sin par.
unmet-series = Miembros sin par
unmet-language-caption = Miembros sin par, por primer idioma
unmet-language-column = Idioma
unmet-language-chart = Miembros sin par, por primer idioma
unmet-reason-caption = Miembros sin par, por lo que lo impidió
unmet-reason-column = Lo que lo impidió
unmet-reason-chart = Miembros sin par, por lo que lo impidió
