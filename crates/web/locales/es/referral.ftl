# Ninguna puerta equivocada: la página pública para pedir apoyo de pares,
# las derivaciones del personal y la lista de la coordinación.

nav-get-support = Pedir apoyo de pares
nav-referrals = Derivaciones
nav-refer = Derivar a alguien

support-title = Pedir apoyo de pares
support-intro = Las personas pares han vivido desafíos como los suyos. Escuchan, cuentan lo que les ayudó y lo acompañan. Es gratis para miembros de MassHealth. Díganos cómo comunicarnos con usted y elija a su par.
referrals-intro = Todas las puertas llevan a la misma oferta de apoyo de pares. Si esta persona ya lo pidió, su solicitud se une a la anterior.
support-roles-heading = Quién puede apoyarle
support-form-heading = Pedir un par
support-about-you = Sobre usted
support-kind = Tipo de apoyo
support-send = Enviar
support-door = Quién llena este formulario
support-language = Idioma que prefiere
support-reach-hint = Dé un teléfono o un correo electrónico para que alguien pueda comunicarse con usted.
support-masshealth-hint = Los 12 dígitos de su tarjeta de MassHealth. Si no lo tiene, déjelo vacío.
support-done-title = Gracias
support-done = Recibimos su solicitud. Una persona de coordinación de cuidado se comunicará con usted en su idioma, normalmente en pocos días. Si ya lo había pedido, unimos esta solicitud a la anterior.

support-mental-health = Salud mental
support-substance-use = Uso de sustancias y recuperación
support-both = Salud mental y uso de sustancias
support-health-and-social-needs = Salud y necesidades diarias (vivienda, comida, citas)
support-family = Apoyo para mi familia
support-young-adults = Apoyo como persona joven adulta

door-care-coordinator = Un plan de salud o una persona de coordinación de cuidado
door-hospital = Una sala de emergencias o un hospital
door-recovery-learning-community = Una Comunidad de Aprendizaje para la Recuperación
door-community-organization = Una organización comunitaria
door-human-service-organization = Una organización de servicios humanos
door-dmh = El Departamento de Salud Mental
door-friend-or-family = Una amistad o un familiar
door-social-media = Redes sociales
door-self = Yo
door-other = Otra persona

referrals-new = Derivar a alguien
referrals-title = Lista de derivaciones
referrals-empty = No hay derivaciones abiertas.
referrals-caption = Solicitudes abiertas de apoyo de pares, las más antiguas primero
referrals-person = Persona
referrals-waiting = Espera
referrals-doors = Llegó por
referrals-reach = Cómo comunicarse
referrals-status = Estado
referrals-actions = Próximo paso
referrals-arrivals = lo pidió { $n } veces
referrals-days = { $n ->
    [one] 1 día
   *[other] { $n } días
}
referrals-open-record = Abrir el expediente
referrals-enrol = Inscribir a { $name }
referrals-contacted = Marcar a { $name } como contactado
referrals-close = Cerrar la solicitud de { $name }

referral-status-new = Nueva
referral-status-contacted = Contactada
referral-status-enrolled = Inscrita
referral-status-closed = Cerrada

error-throttled = Demasiadas solicitudes
error-throttled-detail = Llegaron demasiadas solicitudes desde esta conexión. Inténtelo de nuevo en una hora o llame a su plan de salud.

field-door = Quién llena este formulario
field-support = Tipo de apoyo
field-username = Nombre de usuario
field-password = Contraseña

err-reach = Dé un teléfono o un correo electrónico para que alguien pueda comunicarse con usted.
err-username-taken = Este nombre de usuario ya existe. Elija otro.
err-details-differ = Estos datos no coinciden con nuestros registros. Pida ayuda a su coordinación de cuidado.
err-masshealth-for-enrolment = Agregue el número de MassHealth de la persona para inscribirla.
err-enrol-instead = Inscriba a la persona para marcarla como inscrita.

# Claiming a record with an enrolment code
support-have-code = ¿Su coordinación de cuidado le dio un código?
support-claim-link = Abra su cuenta con él
claim-title = Abra su cuenta
claim-intro = Su coordinación de cuidado le dio un código, o lo envió al teléfono o correo que tiene de usted. Escríbalo aquí con el nombre de usuario y la contraseña que quiera, y podrá elegir a su par enseguida.
claim-code = Su código
claim-code-hint = 12 letras y dígitos, como ABCD-EFGH-JKMN. Los guiones y espacios no importan.
claim-password-hint = Al menos 10 caracteres.
claim-open = Abrir mi cuenta
field-code = Código
err-code-format = Un código tiene 12 letras y dígitos, como ABCD-EFGH-JKMN. Verifíquelo con la persona que se lo dio.
err-code-invalid = Este código no abre una cuenta. Verifíquelo, o pida uno nuevo a su coordinación de cuidado.
referrals-join-reason = Inscribí a esta persona a partir de una solicitud y coordinaría su cuidado.
