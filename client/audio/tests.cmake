# client/audio tests; included from tests/CMakeLists.txt after lyceum_unit_test().
find_package(Threads REQUIRED)
lyceum_unit_test(test_snd_ring lyceum_audio Threads::Threads)
lyceum_unit_test(test_snd_engine lyceum_audio_testkit m)
# A laptop without headphones: its echo canceller keeps the room from hearing itself.
lyceum_unit_test(test_snd_echo lyceum_audio_testkit m)
# Speech from espeak-ng through A -> lossy, jittery link -> B; 77 = skipped.
lyceum_unit_test(test_snd_quality lyceum_audio_testkit m)
set_tests_properties(unit.test_snd_quality PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)
# Real PortAudio through ALSA's file plugin (no sound card needed); 77 = no
# device at all.
if(LYCEUM_CLIENT)
  add_executable(test_snd_portaudio integration/test_snd_portaudio.c)
  target_link_libraries(test_snd_portaudio PRIVATE lyceum_audio_pa lyceum_audio_testkit
                        PkgConfig::PORTAUDIO)
  add_test(NAME integration.test_snd_portaudio COMMAND test_snd_portaudio)
  set_tests_properties(integration.test_snd_portaudio PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
  if(LYCEUM_SANITIZE)
    # PortAudio probes JACK and ALSA plugins it dlopen()s and unloads before
    # the leak report: LeakSanitizer sees "<unknown module>" frames that no
    # suppression can match. ASan and UBSan stay on.
    set_tests_properties(integration.test_snd_portaudio PROPERTIES
                         ENVIRONMENT "ASAN_OPTIONS=detect_leaks=0")
  endif()
endif()
lyceum_unit_test(test_snd_wav lyceum_audio)
# The Android sound device (snd_aaudio.c) on Linux, against a test double of
# AAudio that follows the NDK's reference (tests/aaudio): no phone, no NDK.
add_library(lyceum_aaudio_double STATIC aaudio/aaudio_double.c)
target_include_directories(lyceum_aaudio_double PUBLIC aaudio/include aaudio)
target_link_libraries(lyceum_aaudio_double PUBLIC Threads::Threads)
add_executable(test_snd_aaudio integration/test_snd_aaudio.c ${LYCEUM_ROOT}/client/audio/snd_aaudio.c)
target_link_libraries(test_snd_aaudio PRIVATE lyceum_audio_testkit lyceum_aaudio_double)
add_test(NAME integration.test_snd_aaudio COMMAND test_snd_aaudio)
set_tests_properties(integration.test_snd_aaudio PROPERTIES TIMEOUT 120)
