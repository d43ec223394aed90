# Elegir un par: las preferencias del miembro, los pares que puede elegir y
# por qué, la lista de espera del programa, las asignaciones y el tiempo sin par.

nav-choose = Elegir su par
nav-matching = Lista de espera

choose-title = Elegir su par
choose-intro = Diga qué le importa en un par. Le mostramos cada par que encaja, el mejor primero, y por qué. Usted elige y puede cambiar de opinión cuando quiera.
choose-saved = Guardado. Estos son los pares que puede elegir.
choose-ended = Su relación con su par ha terminado. Puede elegir otro par cuando esté listo.
choose-members-only = Esta página es para que los miembros elijan a su par.
choose-current-heading = Su par ahora
choose-current = Su par es { $name }.
choose-change-any-time = Puede pedir otro par en cualquier momento. No tiene que dar una razón.
choose-end = Terminar mi relación con { $name }
choose-wishes-heading = Lo que quiere en un par
choose-wishes-intro = Deje en "Sin preferencia" lo que no le importe. "Imprescindible" muestra solo pares que lo tienen; "Prefiero" los pone primero.
choose-support = Tipo de apoyo
choose-pick-one = Elija uno
choose-languages = Idiomas que habla
choose-interpreter = Un intérprete está bien si el par no habla mi idioma
choose-identity-heading = Alguien como usted
choose-identity-intro = Los pares dicen por sí mismos lo que comparten con los miembros. La identidad de un par se usa solo si lo aceptó, y se muestra solo si decidió mostrarla.
choose-which = Cuál: { $dimension }
choose-lived-experience = Experiencia vivida compartida
choose-ways = Formas de reunirse
choose-any-if-empty = Deje todo sin marcar si cualquiera está bien.
choose-times = Horarios que le convienen
choose-home = Su ciudad (para reunirse en persona)
choose-no-home = No me reuniré en persona, o prefiero no decirlo
choose-travel = Cuánto puede viajar para reunirse, en kilómetros
choose-source = Dónde trabaja el par
choose-save = Guardar y ver los pares que puedo elegir
choose-peers-heading = Pares que puede elegir
choose-nobody = Ningún par cumple ahora todo lo que marcó como "Imprescindible". Cambie un "Imprescindible" por "Prefiero", o espere: el personal del programa ve a todos los que esperan y busca un par.
choose-peers-count = { $n } pares encajan con lo que pidió. Estos son los mejores.
choose-for-me = Sin preferencia: elijan por mí
choose-speaks = Habla { $languages }.
choose-about = Sobre esta persona:
choose-this = Elegir a { $name }
home-choose-link = Elegir o cambiar su par
home-notices-heading = Novedades para usted
home-chosen = Su nuevo par está en su equipo de cuidado. Ya se le avisó.

match-strength-no-preference = Sin preferencia
match-strength-prefer = Prefiero
match-strength-must = Imprescindible

match-support-mental-health = Salud mental
match-support-substance-use = Uso de sustancias
match-support-both = Salud mental y uso de sustancias
match-support-health-and-social-needs = Salud y necesidades diarias (vivienda, comida, beneficios)
match-support-family = Apoyo para mi familia
match-support-young-adults = Apoyo para un adulto joven

match-source-plan = Trabaja para su plan de salud
match-source-rlc = Trabaja para una Comunidad de Aprendizaje para la Recuperación dirigida por pares
match-source-vendor = Trabaja para una organización comunitaria
match-wish-source = dónde trabaja el par

match-dimension-language = Idioma que habla el par
match-dimension-gender = Género
match-dimension-race = Raza
match-dimension-ethnicity = Origen étnico
match-dimension-faith = Fe
match-dimension-sexual-orientation = Orientación sexual
match-dimension-age-band = Edad

match-time-daytime = de día
match-time-evening = por la tarde
match-time-night = de noche
match-time-weekend = fines de semana

match-lived-experience = Experiencia vivida: { $topic }

match-reason-shares-language = Habla { $language } con usted
match-reason-with-interpreter = No habla su idioma: se reunirían con un intérprete
match-reason-shares-identity = Cumple su deseo sobre { $dimension }: { $value }
match-reason-shares-lived-experience = Tiene experiencia vivida de { $topic }, como pidió
match-reason-preferred-but-missing = No cumple su deseo sobre { $wish }
match-reason-source = { $source }
match-reason-distance-km = A unos { $km } km de su ciudad
match-reason-available-at = Disponible: { $times }
match-reason-meets = Puede reunirse: { $ways }
match-reason-named-peer = El par que pidió por su nombre
match-reason-same-organization = Trabaja donde trabajaba su par anterior

match-blocker-role = Nadie en un puesto que dé este tipo de apoyo
match-blocker-language = Nadie habla el idioma del miembro (y sin intérprete)
match-blocker-must = Un deseo "Imprescindible" que ningún par cumple
match-blocker-capacity = Todos los pares que encajan están llenos
match-blocker-times = Ningún par que encaje en los horarios pedidos
match-blocker-modality = Ningún par que encaje se reúne de las formas pedidas
match-blocker-distance = Ningún par que encaje está lo bastante cerca para reunirse en persona
match-blocker-named-peer = El par pedido por su nombre no puede atenderle
match-blocker-capacity-taken-by-others = Los pares que encajan hacían falta para otros miembros
match-gap-must = Un "Imprescindible" sobre { $wish } que ningún par cumple

match-gap-reason-peer-left = Su par se fue
match-gap-reason-ended-by-member = El miembro la terminó
match-gap-reason-ended-by-peer = El par la terminó
match-gap-reason-ended-by-staff = El personal la terminó

notice-new-member = { $name } le eligió como su par.
notice-assigned-member = Se le asignó un nuevo miembro. Vea su lista de casos.
notice-peer-left = { $name } ya no tiene par: { $peer } se fue. Se está proponiendo un nuevo par.
notice-relationship-ended = { $name } terminó la relación de apoyo entre pares.

matching-title = Lista de espera y asignación por lotes
matching-intro = Aquí esperan los miembros que dijeron lo que quieren y no tienen par, junto con los miembros cuyo par se fue. Una asignación por lotes empareja a todos los que puede y luego busca el mejor encaje, sin romper nunca un "Imprescindible" ni el límite de casos.
matching-admins-only = Esta página es para los administradores del programa.
matching-run-heading = Asignar la lista de espera
matching-preview = Vista previa (sin cambiar nada)
matching-apply = Asignar ahora
matching-summary = { $members } miembros esperan, { $peers } pares tienen lugar: { $served } pueden emparejarse y { $unmatched } no.
matching-applied = { $n } miembros tienen ahora un par, y sus pares ya lo saben.
matching-gap-heading = Quién no puede emparejarse y por qué
matching-by-reason = Miembros sin emparejar según la condición que los deja sin par
matching-by-language = Miembros sin emparejar según su primer idioma
matching-by-town = Miembros sin emparejar según su ciudad
matching-by-support = Miembros sin emparejar según el tipo de apoyo
matching-col-what = Qué
matching-col-members = Miembros
matching-col-share = Parte de los sin emparejar
matching-gaps-heading = Días sin par
matching-gaps-summary = { $open } miembros no tienen par ahora. Los que encontraron un nuevo par esperaron { $average } días de media.
matching-gaps-none = Nadie ha estado sin par.
matching-gaps-caption = Miembros sin par, los que más esperan primero, y luego los que ya encontraron uno
matching-col-former = Par anterior
matching-col-why = Por qué
matching-col-since = Desde
matching-col-days = Días
matching-still-waiting = sigue esperando

err-no-preferences = Guarde primero lo que quiere en un par.
err-peer-full = Este par no tiene lugar para otro miembro. Elija otro par.
err-peer-not-eligible = Este par no encaja con lo que pidió. Cambie sus deseos o elija otro par.
err-no-eligible-peer = Ningún par cumple ahora todo lo que marcó como "Imprescindible". Cambie un "Imprescindible" por "Prefiero".
err-no-such-peer = No existe ese par. Elija uno de la lista.
err-already-your-peer = Este par ya es su par.
err-no-peer = Ahora no tiene par.
err-language-or-interpreter = Marque al menos un idioma que hable, o diga que un intérprete está bien.
err-wish-without-value = Diga cuál quiere, o elija "Sin preferencia".
err-home-and-distance = Para reunirse en persona, elija su ciudad y cuánto puede viajar.
err-out-of-range = Dé un número de { $min } a { $max }.
err-catalog-too-large = El catálogo tiene demasiados idiomas o temas para emparejar.
err-language-is-a-list = Dé los idiomas en la lista de idiomas.
