"""The interactive review (`draftmate review ID` on a terminal), in the order a reviewer goes through it.

    loop.py      run_review: intro, sections, notes, decision; how the review ended and its exit code
    screen.py    what is shown: the section in view, notes where their lines are now, diffs, the status line
    keys.py      the section keys (y n e r u j k g / w p q ?), each deciding, moving or changing one section
    notes.py     every open note resolved in turn (verified, fixed, accepted-risk, dismissed)
    decision.py  the summary, the attestation and the decision (approve, request changes, reject)
    editor.py    the $VISUAL/$EDITOR round trip

Every decision is written through `services.reviews.ReviewSession` as it is made; the gate is domain.lifecycle's.
"""
