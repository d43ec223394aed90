# Las personas supervisadas de un vistazo y el mes de un par en su página de carga de casos.
act-glance-heading = De un vistazo
act-glance-caption = La carga de casos de cada persona supervisada y sus contactos en los últimos 30 días; siga un nombre para ver su carga de casos.
act-glance-summary = { $attention } de { $count } personas supervisadas necesitan una conversación: { $quiet } sin contactos registrados en { $days } días, { $below } por debajo de la meta de contactos.
act-col-supervisee = Persona supervisada
act-col-members = Miembros
act-col-contacts = Contactos en los últimos 30 días
act-col-last = Último contacto
act-col-flags = Necesita una conversación
act-contacts-of-goal = { $count } de una meta de { $goal }
act-last-today = Hoy
act-last-days = { $days ->
    [one] Hace 1 día
   *[other] Hace { $days } días
}
act-last-never = Nunca
act-flag-no-activity = Sin actividad en { $days } días
act-flag-below-goal = Por debajo de la meta de contactos
act-flags-none = Todo en orden
act-no-goal = el rol no tiene meta
act-series-contacts = Contactos
act-series-goal = Meta
act-chart-title = Contactos en los últimos { $days } días frente a la meta
act-supervision-heading = Supervisión
act-month-heading = Este mes
act-month-summary = { $count ->
    [one] 1 contacto registrado este mes.
   *[other] { $count } contactos registrados este mes.
}
act-weeks-caption = Contactos registrados cada semana
act-col-week = Semana del
act-col-week-contacts = Contactos
act-weeks-chart = Contactos registrados cada semana, las últimas 12 semanas
act-home-month-link = Mi mes: contactos, unidades y miembros por debajo de la regla en mi carga de casos
act-home-glance-link = Mis personas supervisadas de un vistazo: quién necesita una conversación
act-home-measures-link = Medidas de resultados
act-home-equity-link = Suficiencia de la red, equidad y demanda no atendida
act-home-activity-link = Actividad del personal y el embudo de derivaciones
act-withheld = menos de 11
act-glance-withheld = Los recuentos de 1 a 10 se ocultan: usted no forma parte de los equipos de atención de estos miembros. Siga un nombre hasta la carga de casos para ver a los miembros que comparten sus contactos con usted.
act-contacts-goal-withheld = { $count } (la meta se oculta, porque diría cuántos miembros hay)
