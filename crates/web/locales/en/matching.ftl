# Choosing a peer: the member's preferences, the peers they may choose and
# why, the program's waiting list, batch runs and time without a peer.

nav-choose = Choose your peer
nav-matching = Waiting list

choose-title = Choose your peer
choose-intro = Say what matters to you in a peer. We show every peer who fits, best first, and why. You choose; you can change your mind at any time.
choose-saved = Saved. Here are the peers you can choose.
choose-ended = Your relationship with your peer has ended. You can choose another peer whenever you are ready.
choose-members-only = This page is for members, to choose their peer.
choose-current-heading = Your peer now
choose-current = Your peer is { $name }.
choose-change-any-time = You can ask for a different peer at any time. You do not need to give a reason.
choose-end = End my relationship with { $name }
choose-wishes-heading = What you want in a peer
choose-wishes-intro = Leave anything that does not matter to you as "No preference". "Must" means we show only peers who have it; "Prefer" puts them first.
choose-support = Kind of support
choose-pick-one = Choose one
choose-languages = Languages you speak
choose-interpreter = An interpreter is fine if the peer does not speak my language
choose-identity-heading = Someone like you
choose-identity-intro = Peers say for themselves what they share with members. A peer's identity is used only if they agreed, and shown only if they chose to show it.
choose-which = Which { $dimension }
choose-lived-experience = Shared lived experience
choose-ways = Ways to meet
choose-any-if-empty = Leave all unticked if any is fine.
choose-times = Times that work for you
choose-home = Your town (to meet in person)
choose-no-home = I will not meet in person, or not say
choose-travel = How far you can travel to meet, in kilometres
choose-source = Where the peer works
choose-save = Save and show the peers I can choose
choose-peers-heading = Peers you can choose
choose-nobody = No peer fits everything you marked "Must" right now. Change a "Must" to "Prefer", or wait: program staff see everyone who is waiting and work to find a peer.
choose-peers-count = { $n } peers fit what you asked. Here are the best.
choose-for-me = No preference: choose for me
choose-speaks = Speaks { $languages }.
choose-about = About them:
choose-this = Choose { $name }
home-choose-link = Choose or change your peer
home-notices-heading = News for you
home-chosen = Your new peer is on your care team. They have been told.

match-strength-no-preference = No preference
match-strength-prefer = Prefer
match-strength-must = Must

match-support-mental-health = Mental health
match-support-substance-use = Substance use
match-support-both = Mental health and substance use
match-support-health-and-social-needs = Health and everyday needs (housing, food, benefits)
match-support-family = Support for my family
match-support-young-adults = Support for a young adult

match-source-plan = Works for your health plan
match-source-rlc = Works for a peer-run Recovery Learning Community
match-source-vendor = Works for a community organization
match-wish-source = where the peer works

match-dimension-language = Language the peer speaks
match-dimension-gender = Gender
match-dimension-race = Race
match-dimension-ethnicity = Ethnicity
match-dimension-faith = Faith
match-dimension-sexual-orientation = Sexual orientation
match-dimension-age-band = Age

match-time-daytime = daytime
match-time-evening = evening
match-time-night = night
match-time-weekend = weekend

match-lived-experience = Lived experience: { $topic }

match-reason-shares-language = Speaks { $language } with you
match-reason-with-interpreter = Does not speak your language: you would meet with an interpreter
match-reason-shares-identity = Shares your wish on { $dimension }: { $value }
match-reason-shares-lived-experience = Has lived experience of { $topic }, as you asked
match-reason-preferred-but-missing = Does not match your wish about { $wish }
match-reason-source = { $source }
match-reason-distance-km = About { $km } km from your town
match-reason-available-at = Available: { $times }
match-reason-meets = Can meet: { $ways }
match-reason-named-peer = The peer you asked for by name
match-reason-same-organization = Works where your last peer worked

match-blocker-role = Nobody in a role that gives this kind of support
match-blocker-language = Nobody speaks the member's language (and no interpreter)
match-blocker-must = A "Must" wish that no peer meets
match-blocker-capacity = Every fitting peer is full
match-blocker-times = No fitting peer at the times asked
match-blocker-modality = No fitting peer meets the ways asked
match-blocker-distance = No fitting peer near enough to meet in person
match-blocker-named-peer = The peer asked for by name cannot take them
match-blocker-capacity-taken-by-others = Fitting peers were needed for other members
match-gap-must = A "Must" on { $wish } that no peer meets

match-gap-reason-peer-left = Their peer left
match-gap-reason-ended-by-member = The member ended it
match-gap-reason-ended-by-peer = The peer ended it
match-gap-reason-ended-by-staff = Staff ended it

notice-new-member = { $name } chose you as their peer.
notice-assigned-member = A new member was assigned to you. See your caseload.
notice-peer-left = { $name } no longer has a peer: { $peer } has left. A new peer is being proposed.
notice-relationship-ended = { $name } ended the peer relationship.

matching-title = Waiting list and batch assignment
matching-intro = Members who said what they want and have no peer wait here, with members whose peer left. A batch run matches as many of them as possible, then the best fits, never breaking a "Must" or a caseload cap.
matching-admins-only = This page is for program admins.
matching-run-heading = Assign the waiting list
matching-preview = Preview (change nothing)
matching-apply = Assign now
matching-summary = { $members } members waiting, { $peers } peers with room: { $served } can be matched, { $unmatched } cannot.
matching-applied = { $n } members now have a peer, and their peers have been told.
matching-gap-heading = Who cannot be matched, and why
matching-by-reason = Unmatched members by the constraint that leaves them without a peer
matching-by-language = Unmatched members by first language
matching-by-town = Unmatched members by town
matching-by-support = Unmatched members by kind of support
matching-col-what = What
matching-col-members = Members
matching-col-share = Share of the unmatched
matching-gaps-heading = Days without a peer
matching-gaps-summary = { $open } members are without a peer now. Members who found a new peer waited { $average } days on average.
matching-gaps-none = Nobody has been without a peer.
matching-gaps-caption = Members without a peer, longest waiting first, then those who found one
matching-col-former = Former peer
matching-col-why = Why
matching-col-since = Since
matching-col-days = Days
matching-still-waiting = still waiting

err-no-preferences = Save what you want in a peer first.
err-peer-full = This peer has no room for another member. Choose another peer.
err-peer-not-eligible = This peer does not fit what you asked. Change your wishes or choose another peer.
err-no-eligible-peer = No peer fits everything you marked "Must" right now. Change a "Must" to "Prefer".
err-no-such-peer = There is no such peer. Choose one from the list.
err-already-your-peer = This peer is already your peer.
err-no-peer = You have no peer right now.
err-language-or-interpreter = Tick at least one language you speak, or say an interpreter is fine.
err-wish-without-value = Say which one you want, or choose "No preference".
err-home-and-distance = To meet in person, choose your town and how far you can travel.
err-out-of-range = Give a number from { $min } to { $max }.
err-catalog-too-large = The catalog has too many languages or topics for matching.
err-language-is-a-list = Give languages in the list of languages.
