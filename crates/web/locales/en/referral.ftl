# No wrong door: the public page to ask for peer support, staff referrals
# and the coordinator's queue.

nav-get-support = Get peer support
nav-referrals = Referrals
nav-refer = Refer someone

support-title = Get peer support
support-intro = Peer workers have lived through challenges like yours. They listen, share what helped them, and walk with you. It is free for MassHealth members. Tell us how to reach you, and choose your peer.
referrals-intro = Every door leads to the same offer of peer support. If this person already asked, their request is joined to the earlier one.
support-roles-heading = Who can support you
support-form-heading = Ask for a peer
support-about-you = About you
support-kind = Kind of support
support-send = Send
support-door = Who is filling this in
support-language = Language you prefer
support-reach-hint = Give a phone number or an e-mail address, so someone can reach you.
support-masshealth-hint = The 12 digits on your MassHealth card. If you don't have it, leave it empty.
support-done-title = Thank you
support-done = We have your request. A care coordinator will contact you in your language, usually within a few days. If you asked before, we joined this to your earlier request.

support-mental-health = Mental health
support-substance-use = Substance use and recovery
support-both = Both mental health and substance use
support-health-and-social-needs = Health and everyday needs (housing, food, appointments)
support-family = Support for my family
support-young-adults = Support as a young adult

door-care-coordinator = A health plan or care coordinator
door-hospital = An emergency department or hospital
door-recovery-learning-community = A Recovery Learning Community
door-community-organization = A community organization
door-human-service-organization = A human service organization
door-dmh = The Department of Mental Health
door-friend-or-family = A friend or family member
door-social-media = Social media
door-self = Myself
door-other = Someone else

referrals-new = Refer someone
referrals-title = Referral queue
referrals-empty = No open referrals.
referrals-caption = Open requests for peer support, oldest first
referrals-person = Person
referrals-waiting = Waiting
referrals-doors = Came through
referrals-reach = How to reach
referrals-status = Status
referrals-actions = Next step
referrals-arrivals = asked { $n } times
referrals-days = { $n ->
    [one] 1 day
   *[other] { $n } days
}
referrals-open-record = Open the record
referrals-enrol = Enrol { $name }
referrals-contacted = Mark { $name } contacted
referrals-close = Close the request of { $name }

referral-status-new = New
referral-status-contacted = Contacted
referral-status-enrolled = Enrolled
referral-status-closed = Closed

error-throttled = Too many requests
error-throttled-detail = Too many requests came from this connection. Please try again in an hour, or call your health plan.

field-door = Who is filling this in
field-support = Kind of support
field-username = Username
field-password = Password

err-reach = Give a phone number or an e-mail address so that someone can reach you.
err-username-taken = This username is taken. Choose another.
err-details-differ = These details do not match our records. Ask your care coordinator for help.
err-masshealth-for-enrolment = Add the person's MassHealth ID to enrol them.
err-enrol-instead = Enrol the person to mark them enrolled.

# Claiming a record with an enrolment code
support-have-code = Did your care coordinator give you a code?
support-claim-link = Open your account with it
claim-title = Open your account
claim-intro = Your care coordinator gave you a code, or sent it to the phone or email they have for you. Type it here with the username and password you want, and you can choose your peer at once.
claim-code = Your code
claim-code-hint = 12 letters and digits, like ABCD-EFGH-JKMN. Dashes and spaces do not matter.
claim-password-hint = At least 10 characters.
claim-open = Open my account
field-code = Code
err-code-format = A code is 12 letters and digits, like ABCD-EFGH-JKMN. Check it with the person who gave it to you.
err-code-invalid = This code does not open an account. Check it, or ask your care coordinator for a new one.
referrals-join-reason = I enrolled this person from a referral and would coordinate their care.
