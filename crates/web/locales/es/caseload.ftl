# Contactos de toda la carga de casos de un par.

cl-title = Contactos de la carga de casos: { $name }
cl-link = Contactos de toda la carga de casos
cl-link-for = Contactos de la carga de casos de { $name }
cl-summary-heading = Resumen
cl-summary = { $role }. Personas en la carga de casos: { $members }. Regla de participación cumplida: { $met }; no cumplida: { $notmet }.
cl-units-total = Unidades usadas en el período de autorización: { $units }.
cl-not-shared = Personas que no comparten sus contactos con usted: { $count }.
cl-empty = No hay en esta carga de casos ninguna persona cuyos contactos usted pueda ver.
cl-caption = Primero las personas por debajo de la regla de participación, luego las que tienen menos contactos.
cl-col-member = Persona
cl-col-rule = Regla de participación
cl-col-contacts = Contactos
cl-col-units = Unidades usadas
cl-col-last = Último contacto
cl-member-n = Persona { $n }
cl-contacts-in = { $count } en { $days } días
cl-units-of = { $used } de { $authorized }
cl-rule-met = Cumplida
cl-rule-not-met = No cumplida
cl-rule-none = Este rol no tiene regla
cl-never = Ninguno todavía
cl-none = —

# Personas que necesitan seguimiento tras atención aguda: quién y el día, nunca por qué.
cl-follow-up-heading = Seguimiento pendiente
cl-follow-up-about = Una visita a la sala de emergencias o un alta del hospital en los últimos 7 días. Comuníquese cuando pueda.
cl-follow-up-since = atención aguda el { $day }; sin contacto desde entonces
