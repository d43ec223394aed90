# Privacidad controlada por el miembro: compartir, consentimiento de la
# Parte 2, cortafuegos, acceso de emergencia, oficina de privacidad,
# información de salud y notas de contacto.

nav-sharing = Quién ve qué
nav-privacy = Oficina de privacidad
nav-emergency = Acceso de emergencia
persona-privacy-officer = Oficial de privacidad

hidden-by-choice = Oculto por decisión del miembro
hidden-list = El miembro decidió no compartir con usted: { $list }.

category-demographics = Nombre, fecha de nacimiento, ciudad e idiomas
category-contact = Teléfono y correo electrónico
category-identity = Identidad (raza, etnia, género, orientación, fe)
category-mental-health = Salud mental
category-substance-use = Uso de sustancias
category-hiv = VIH
category-peer-notes = Notas de los contactos con su par
category-recovery-goals = Metas de recuperación
category-care-plan = Plan de cuidado y necesidades
category-billing = Seguro y facturación
# Solo que hubo atención aguda y cuándo: nunca por qué ni dónde.
category-care-alert = Alertas de atención: que estuvo en la sala de emergencias o en el hospital, y el día (nunca por qué ni dónde)

purpose-treatment = Cuidado y tratamiento
purpose-payment = Pago
purpose-operations = Funcionamiento del programa
purpose-emergency = Emergencia

modality-in-person = En persona
modality-phone = Teléfono
modality-video = Video
modality-text = Mensaje de texto

setting-home = Casa
setting-community = Comunidad
setting-recovery-learning-community = Comunidad de Aprendizaje para la Recuperación
setting-clinic = Clínica
setting-emergency-department = Sala de emergencias
setting-inpatient = Hospitalización
setting-virtual = En línea

sharing-title = Quién ve qué
sharing-intro = Usted decide qué puede ver cada persona de su equipo de cuidado. Los cambios funcionan enseguida, la próxima vez que abran su expediente.
sharing-basics = Todo su equipo puede ver su nombre, fecha de nacimiento, ciudad e idiomas, para saber quién es usted.
sharing-saved = Guardado. Su decisión funciona desde ahora.
sharing-team-heading = Su equipo de cuidado
sharing-firewalled = Usted pidió que esta persona no vea nada sobre usted.
sharing-may-see = Lo que { $name } puede ver
sharing-purposes = Para qué
sharing-until = Hasta (déjelo vacío si no tiene fin)
sharing-save = Guardar para { $name }
sharing-withdraw = Volver a lo habitual para { $name }
sharing-sees = Ve ahora: { $list }.
sharing-sees-only-basics = Ve ahora: solo su nombre, fecha de nacimiento, ciudad e idiomas.
sharing-roles-heading = Todas las personas de un rol
sharing-roles-intro = Una decisión aquí vale para todas las personas con ese rol en su equipo, salvo las que tengan una decisión propia con su nombre.
sharing-everyone-in-role = Todas las personas con este rol
sharing-peer-supervisor = Supervisa a su compañero de apoyo (no está en su equipo): puede dejar de compartir con esa persona, no compartir más
sharing-members-only = Esta página es para que los miembros decidan quién ve su información.

part2-heading = Compartir información sobre uso de sustancias (norma federal 42 CFR Parte 2)
part2-explain = La información sobre uso de sustancias solo se comparte con su consentimiento por escrito. Escriba su nombre para firmar, diga quién puede recibirla y elija cuándo termina el consentimiento. Marque también «Uso de sustancias» arriba.
part2-revoke = Puede retirar este consentimiento cuando quiera en esta página.
field-part2-signed-by = Su nombre (su firma)
field-part2-recipients = Quién puede recibirla
field-part2-expires-on = El consentimiento termina el
field-until = Hasta
field-recipient = Persona
field-purposes = Propósito
field-categories = Lo que puede ver

firewall-heading = Personas que usted conoce socialmente
firewall-intro = Si alguien que trabaja en estos programas lo conoce fuera del cuidado, puede nombrarlo aquí. No verá nada sobre usted, trabaje donde trabaje, salvo en una emergencia.
firewall-search = Buscar por nombre
firewall-none-found = No se encontró a nadie con ese nombre.
firewall-add = Ocultar mi información a { $name }
firewall-remove = Quitar a { $name }

emergency-log-heading = Acceso de emergencia a su expediente
emergency-log-empty = Nadie ha usado el acceso de emergencia a su expediente.
emergency-log-caption = Cada vez que alguien abrió su expediente en una emergencia, y por qué
emergency-title = Acceso de emergencia
emergency-intro = Úselo solo en una emergencia, para un miembro que no puede ver de otro modo. El acceso termina después de { $hours } horas. El miembro ve que usted lo usó y por qué, y la oficina de privacidad lo revisa.
emergency-reason = Motivo
emergency-reason-hint = Diga en una frase cuál es la emergencia.
emergency-open = Abrir el expediente
emergency-not-for-you = El acceso de emergencia es para el personal que atiende a los miembros.
emergency-banner = Está usando el acceso de emergencia. Queda registrado, el miembro lo ve y la oficina de privacidad lo revisa.

privacy-title = Oficina de privacidad
privacy-alerts = Accesos de emergencia por revisar
privacy-no-alerts = Ningún acceso de emergencia espera revisión.
privacy-alerts-caption = Accesos de emergencia sin revisar, los más recientes primero
privacy-member = Miembro
privacy-review = Marcar como revisado
privacy-search = Buscar en el registro de auditoría
privacy-actor = Usuario
privacy-from = Desde
privacy-to = Hasta
privacy-decision = Decisión
privacy-any = Cualquiera
privacy-permitted = Permitido
privacy-purpose = Propósito
privacy-export = Descargar estos eventos en CSV
privacy-no-events = Ningún evento coincide.
privacy-events-caption = Eventos de auditoría, los más recientes primero
privacy-categories = Información revelada
privacy-address = Dirección

audit-action-break-glass = Abrió un acceso de emergencia
audit-action-search = Buscó en el registro de auditoría
audit-action-export = Exportó el registro de auditoría
audit-action-review = Revisó un acceso de emergencia

health-heading = Información de salud
part2-notice-label = Aviso federal sobre expedientes de uso de sustancias
health-empty = No hay información de salud que usted pueda ver.
health-add = Agregar información de salud
health-category = Tipo de información
health-text = Qué registrar
health-save = Guardar

notes-heading = Contactos con su par
notes-empty = No hay contactos que usted pueda ver.
notes-caption = Contactos con un par, los más recientes primero
notes-date = Fecha
notes-minutes = Minutos
notes-modality = Cómo
notes-setting = Dónde
notes-note = Nota
notes-log = Registrar un contacto
notes-note-hint = Una línea como máximo. Escriba solo lo que el miembro leería con tranquilidad.
notes-save = Guardar contacto

err-part2-signature = Escriba su nombre para firmar el consentimiento.
err-part2-recipients = Diga quién puede recibir la información.
err-part2-expiry = Elija la fecha en que termina el consentimiento.
err-in-the-past = Elija hoy o una fecha posterior.
err-unknown-category = «{ $value }» no es un tipo de información.
err-unknown-purpose = Elija tratamiento, pago u operaciones.
err-purpose-required = Elija al menos un propósito.
err-recipient = Elija una persona, una organización o un rol del equipo en la página.
err-reason-short = Diga en una frase por qué es una emergencia.
err-no-such-member = Ningún miembro tiene este número de MassHealth. Revise el número.
err-health-category = Elija salud mental, uso de sustancias, VIH o plan de cuidado.
err-choice = Elija una de las opciones.
err-one-line = Escriba una sola línea.

# Emergency access, care-team changes and enrolment codes
persona-clinician = Clínico/a
emergency-category = Qué tipo de emergencia
emergency-category-medical-emergency = Una emergencia médica
emergency-category-risk-of-harm = Un riesgo de daño para el miembro u otras personas
emergency-category-other = Otra cosa (diga qué abajo)
field-reason-category = Tipo de emergencia
err-cannot-take-role = Esta persona no puede tener ese papel en el equipo. Verifique la persona y el papel.
err-already-on-team = Esta persona ya está en el equipo con este papel.
err-has-account = Este miembro ya tiene una cuenta e inicia sesión con ella.
err-no-contact-on-record = El registro no tiene ese contacto. Muestre el código, o corrija primero el registro.
notice-enrolment-code = Su código de Accompany para abrir su cuenta: { $code }. Sirve una vez, durante { $hours } horas.
notice-break-glass-alert = { $who } abrió el acceso de emergencia al registro de un miembro. Revíselo, por favor.
notice-break-glass-member = { $who } abrió su registro en una emergencia. Se cierra después de { $hours } horas. Vea quién miró en su página de privacidad.
notice-team-added = { $who } se unió a su equipo de cuidado.
notice-team-request = { $who } pidió unirse a su equipo de cuidado. Responda en su página de privacidad.
notice-team-request-plan = { $who } pidió unirse al equipo de cuidado de un miembro de su plan.
notice-team-request-approved = Su solicitud para unirse al equipo de cuidado de un miembro fue aprobada.
notice-team-request-declined = Su solicitud para unirse al equipo de cuidado de un miembro fue rechazada.
sharing-team-changes = Cambios en su equipo
sharing-team-change = { $who } ({ $role }): { $change } { $at }
sharing-team-change-by = por { $by }
team-change-enrolled = se unió cuando se creó su registro
team-change-added = fue agregado/a
team-change-approved = se unió con su aprobación
sharing-requests = Piden unirse a su equipo
sharing-requests-none = Nadie está esperando.
sharing-request-approve = Dejar que se una
sharing-request-decline = Decir que no
sharing-request-why = Por qué: { $reason }
audit-action-claim = Abrió una cuenta con un código de inscripción
audit-action-add = Cambió el equipo de cuidado
audit-action-join = Se unió al equipo de cuidado
audit-action-ask-to-join = Pidió unirse al equipo de cuidado
audit-action-answer = Intentó responder una solicitud para unirse
audit-action-approve = Aprobó una solicitud para unirse
audit-action-decline = Rechazó una solicitud para unirse
audit-action-enrol = Inscribió una solicitud en el registro
enrolment-code-heading = Una cuenta para este miembro
enrolment-code-intro = El miembro aún no tiene cuenta. Dele un código de un solo uso para abrirla: léaselo o imprímalo, o envíelo a los datos de contacto del registro. Un código nuevo reemplaza al anterior.
enrolment-code-delivery = Cómo dar el código
enrolment-code-show = Mostrarlo aquí, una vez
enrolment-code-email = Enviarlo al correo del registro
enrolment-code-text = Enviarlo por mensaje al teléfono del registro
enrolment-code-issue = Crear un código
enrolment-code-shown = El código, mostrado una vez: { $code }. Sirve una vez, hasta { $expires } (UTC).
enrolment-code-sent = El código va en camino. Sirve una vez, hasta { $expires } (UTC).
sharing-payers-heading = Sus planes de salud
sharing-payers-intro = Su plan recibe el diagnóstico que nombra una reclamación cuando se factura el trabajo de su par. Un diagnóstico de uso de sustancias va a un plan solo con su consentimiento por escrito (42 CFR Parte 2). Un solo consentimiento puede cubrir tratamiento, pago y operaciones.
sharing-payer-role = Plan de salud o pagador
